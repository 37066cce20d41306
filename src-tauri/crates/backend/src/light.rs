//! The status light's four colours, as the tray paints them and the window names them. Which colour shows is
//! decided once, in `status_view`; the tray and the window both read that one value.

use serde::Serialize;
use ts_rs::TS;

/// green: connected and healthy; amber: on the way or something to watch; red: something needs the trader;
/// grey: not connected by choice (or not known).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    Green,
    Amber,
    Red,
    Grey,
}

impl Light {
    /// The tray icon's colour, RGB.
    pub fn rgb(self) -> [u8; 3] {
        match self {
            Light::Green => [0x2e, 0xa0, 0x43],
            Light::Amber => [0xe0, 0x9b, 0x12],
            Light::Red => [0xd1, 0x24, 0x2f],
            Light::Grey => [0x8c, 0x95, 0x9f],
        }
    }
}
