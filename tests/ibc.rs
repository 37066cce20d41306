//! gateway-core's IBC support against gateway-sim's IBC command server (`--ibc`): the command client's
//! replies and failures (tests/ibc/client.rs) and a restart followed through with its guard
//! (tests/ibc/restart.rs). The simulator is started with tests/sim/ibc.rs's `ibc_sim`.

use std::time::Duration;

/// The test's own bound on anything that must not hang.
const BOUND: Duration = Duration::from_secs(5);

mod client;
mod restart;
