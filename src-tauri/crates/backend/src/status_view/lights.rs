//! The small lights under the status light (IB Gateway's link to IB's servers, one per data farm) and the
//! stale-connections line.

use gateway_proto::{FarmKind, FarmState, FarmStatus, LinkState, LinkStatus};
use serde::Serialize;
use ts_rs::TS;

use crate::dto::GatewayPresence;
use crate::light::Light;

/// One small light: an element id, what it is about, its colour, a word and a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SmallLight {
    pub id: String,
    pub label: String,
    pub light: Light,
    pub word: String,
    pub detail: String,
}

/// Stale connections to the port, for one line of the Status screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct StaleView {
    pub count: u32,
    pub growing: bool,
    /// e.g. "3 stale connections to IB Gateway, and the number is growing".
    pub title: String,
    pub detail: String,
}

/// What a farm serves, in words (its own name, like usfarm, is for "Details").
pub fn farm_kind_label(kind: FarmKind) -> &'static str {
    match kind {
        FarmKind::MarketData => "Market data",
        FarmKind::HistoricalData => "Historical data",
        FarmKind::SecurityDefinition => "Contract details",
    }
}

fn small(id: &str, label: &str, light: Light, word: &str, detail: &str) -> SmallLight {
    SmallLight {
        id: id.into(),
        label: label.into(),
        light,
        word: word.into(),
        detail: detail.into(),
    }
}

/// IB Gateway's link to IB's servers (its notices 1100/1101/1102/2110); grey until a session is open.
pub fn link_light(link: &LinkStatus, connected: bool) -> SmallLight {
    let (id, label) = ("ib-link", "IB link");
    if !connected {
        return small(id, label, Light::Grey, "Unknown", "Seen once connected.");
    }
    let (light, word, detail) = match link.state {
        LinkState::Ok | LinkState::Unknown => (
            Light::Green,
            "Connected",
            "IB Gateway is connected to IB's servers.",
        ),
        LinkState::Restored => (
            Light::Green,
            "Restored",
            "The link to IB's servers came back.",
        ),
        LinkState::RestoredDataLost => (
            Light::Amber,
            "Restored",
            "The link came back; programs must ask for their market data again.",
        ),
        LinkState::Lost => (
            Light::Amber,
            "Lost",
            "IB Gateway lost its link to IB's servers (normal during the daily reset).",
        ),
        LinkState::SocketPortReset => (
            Light::Amber,
            "Reset",
            "IB Gateway reset its connection to IB's servers.",
        ),
        LinkState::ServerBroken => (
            Light::Red,
            "Broken",
            "IB's servers report a problem with this connection.",
        ),
    };
    small(id, label, light, word, detail)
}

/// One light per data farm the Gateway reported. "inactive" is normal: the farm wakes up on demand.
pub fn farm_lights(farms: &[FarmStatus], connected: bool) -> Vec<SmallLight> {
    if !connected || farms.is_empty() {
        return vec![small(
            "farm-none",
            "Data farms",
            Light::Grey,
            "Unknown",
            "No farm reports yet.",
        )];
    }
    farms
        .iter()
        .map(|farm| {
            let (light, word, detail) = match farm.state {
                FarmState::Ok => (Light::Green, "OK", "Available."),
                FarmState::Inactive => (
                    Light::Grey,
                    "Idle",
                    "Idle until a program asks for data (normal).",
                ),
                FarmState::Broken => (Light::Amber, "Down", "Not available right now."),
            };
            small(
                &format!("farm-{}", farm.name),
                farm_kind_label(farm.kind),
                light,
                word,
                detail,
            )
        })
        .collect()
}

/// The stale-connections line; `None` when there are none (or the socket table was not read yet).
pub fn stale_view(presence: &GatewayPresence) -> Option<StaleView> {
    let stale = presence.stale.filter(|s| s.count > 0)?;
    let what = if stale.count == 1 {
        "1 stale connection to IB Gateway".to_string()
    } else {
        format!("{} stale connections to IB Gateway", stale.count)
    };
    Some(StaleView {
        count: stale.count,
        growing: stale.growing,
        title: if stale.growing {
            format!("{what}, and the number is growing")
        } else {
            what
        },
        detail: if stale.growing {
            "A program on this computer keeps leaving connections that IB Gateway has already closed. Too \
             many slow IB Gateway down: see which program on the Connections screen and clean them up."
        } else {
            "A program on this computer holds connections that IB Gateway has already closed. See which \
             one on the Connections screen, where they can be cleaned up."
        }
        .to_string(),
    })
}
