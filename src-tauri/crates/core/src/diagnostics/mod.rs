//! Diagnose: the socket table and the one session turned into one verdict and one next step. The API is
//! called healthy only when it answered through a session (ours, or the open app's); a port that merely
//! listens is "listening, not tested", never healthy. Tests go through the one persistent session
//! (`session_test`): a live one is pinged, an idle one is connected and kept; nothing opens a throwaway
//! connection.

mod account;
mod assess;
mod guardrail;
mod local_checks;
mod observe;
mod session_checks;
mod session_test;
mod verdict;

pub use account::{LIVE_PORTS, account_mode, session_mode};
pub use assess::{KNOWN_PORTS, Observations, SessionSource, assess};
pub use guardrail::{HeldBack, explain as explain_held_back, held_back};
pub use observe::{DiagnoseOptions, Progress, ReportedSession, Stage, diagnose};
pub use session_test::{
    PingOutcome, QUICK_CLOSE_HOLD, SessionTest, api_was_tested, hold_remaining, nothing_listens,
    test_session,
};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod words_tests;
