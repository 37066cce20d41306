//! Configuration with provenance: what each setting is, where it came from, and every bad value explained.

mod file;
pub mod folders;
mod import;
mod keys;
mod load;
mod resolved;

pub use file::{WriteError, default_settings_path, reset_settings, write_settings};
pub use import::{
    ClientIdClash, IMPORT_RECORD_KEY, IMPORTED_KEYS, ImportError, ImportErrorCode, ImportRecord,
    TradingEnv, TradingProgram, import_changes, read_trading_env, trading_env_path,
};
pub use keys::{
    COMMON_CLIENT_IDS, DEFAULT_CLIENT_ID, DEFAULT_PORT, Key, SPARE_CLIENT_IDS, SettingValue,
    parse_clock_time, pick_client_id,
};
pub use load::{InputError, Inputs, InvalidValue, Setting, Source};
pub use resolved::{Config, time_rules_of};

#[cfg(test)]
mod tests;
