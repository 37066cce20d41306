//! Configuration with provenance: what each setting is, where it came from, and every bad value explained.

mod file;
pub mod folders;
mod keys;
mod load;
mod resolved;

pub use file::{WriteError, default_settings_path, reset_settings, write_settings};
pub use keys::{
    COMMON_CLIENT_IDS, DEFAULT_CLIENT_ID, DEFAULT_PORT, Key, SPARE_CLIENT_IDS, SettingValue,
    pick_client_id,
};
pub use load::{InputError, Inputs, InvalidValue, Setting, Source};
pub use resolved::Config;

#[cfg(test)]
mod tests;
