//! Diagnose: passive checks (the socket table, the live session) turned into one verdict and one next step.

mod assess;
mod observe;
mod session_checks;
mod verdict;

pub use assess::{KNOWN_PORTS, Observations, account_mode, assess};
pub use observe::{DiagnoseOptions, Progress, Stage, diagnose};

#[cfg(test)]
mod tests;
