//! Configuration with provenance: what each setting is, where it came from, and every bad value explained.

mod file;
mod keys;
mod load;
mod resolved;

pub use file::{WriteError, default_settings_path, reset_settings, write_settings};
pub use keys::{Key, SettingValue};
pub use load::{InputError, Inputs, InvalidValue, Setting, Source};
pub use resolved::Config;

#[cfg(test)]
mod tests;
