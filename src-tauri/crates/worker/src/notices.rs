//! What an IB notice says about the Gateway's link to IB and its data farms.

use gateway_proto::{FarmKind, FarmState, LinkState};

/// The part of the status a notice changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Link(LinkState),
    Farm {
        kind: FarmKind,
        state: FarmState,
        name: String,
    },
    /// Anything else: reported as a notice event only.
    None,
}

pub fn classify(code: i32, message: &str) -> Effect {
    let link = |state| Effect::Link(state);
    let farm = |kind, state| Effect::Farm {
        kind,
        state,
        name: farm_name(message),
    };
    match code {
        1100 => link(LinkState::Lost),
        1101 => link(LinkState::RestoredDataLost),
        1102 => link(LinkState::Restored),
        1300 => link(LinkState::SocketPortReset),
        2110 => link(LinkState::ServerBroken),
        2103 => farm(FarmKind::MarketData, FarmState::Broken),
        2104 => farm(FarmKind::MarketData, FarmState::Ok),
        2108 => farm(FarmKind::MarketData, FarmState::Inactive),
        2105 => farm(FarmKind::HistoricalData, FarmState::Broken),
        2106 => farm(FarmKind::HistoricalData, FarmState::Ok),
        2107 => farm(FarmKind::HistoricalData, FarmState::Inactive),
        2157 => farm(FarmKind::SecurityDefinition, FarmState::Broken),
        2158 => farm(FarmKind::SecurityDefinition, FarmState::Ok),
        _ => Effect::None,
    }
}

/// The farm's name after the last colon (`Market data farm connection is OK:usfarm` -> `usfarm`).
fn farm_name(message: &str) -> String {
    message
        .rsplit_once(':')
        .map_or("", |(_, name)| name)
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connectivity_codes_set_the_link() {
        assert_eq!(classify(1100, "lost"), Effect::Link(LinkState::Lost));
        assert_eq!(
            classify(1102, "restored"),
            Effect::Link(LinkState::Restored)
        );
        assert_eq!(
            classify(2110, "broken"),
            Effect::Link(LinkState::ServerBroken)
        );
    }

    #[test]
    fn farm_codes_name_the_farm() {
        assert_eq!(
            classify(2104, "Market data farm connection is OK:usfarm"),
            Effect::Farm {
                kind: FarmKind::MarketData,
                state: FarmState::Ok,
                name: "usfarm".into()
            }
        );
        assert_eq!(
            classify(2157, "Sec-def data farm connection is broken:secdefnj"),
            Effect::Farm {
                kind: FarmKind::SecurityDefinition,
                state: FarmState::Broken,
                name: "secdefnj".into()
            }
        );
        assert_eq!(
            classify(2119, "Market data farm is connecting:usfarm"),
            Effect::None
        );
    }
}
