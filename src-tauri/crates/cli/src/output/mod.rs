//! Everything the user reads: plain text (with a symbol and a word for every status, colour only on a
//! terminal) or JSON, and the error messages.

mod print;
mod report;
pub mod restart;
mod sockets;
mod state;
mod style;
mod text;

pub use print::{error, error_text, json, print};
pub use report::report_text;
pub use sockets::{clean_plan_text, clean_result_text, ledger_text, zombies_text};
pub use state::state_line;
pub use style::Style;
pub use text::{local_time, plural};
