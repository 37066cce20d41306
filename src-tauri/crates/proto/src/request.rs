//! What the app sends: `{"id"?: any, "command": "<name>", "params"?: {...}}`, one per line.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// The client id of Gateway Doctor's session unless one is set, shared by the worker and gateway-core
/// (core/src/config/keys.rs says why this id: trading programs commonly use 0-10, 100, 123 and 999).
pub const DEFAULT_CLIENT_ID: i32 = 7431;

/// One request line as it arrives. Unknown top-level keys are refused, so settings written beside
/// `params` (the field report's flat form) fail instead of being ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Echoed in the response; any JSON value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Value>,
    pub command: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Value>,
}

impl Request {
    /// The request line for a typed command.
    pub fn new(id: Option<Value>, command: &Command) -> Request {
        let params = match command {
            Command::Connect(params) => serde_json::to_value(params).ok(),
            _ => None,
        };
        Request {
            id,
            command: command.name().to_string(),
            params,
        }
    }
}

/// The commands a worker understands, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum CommandName {
    Connect,
    Status,
    Ping,
    Accounts,
    Reset,
    Disconnect,
    Shutdown,
}

impl CommandName {
    pub const ALL: [CommandName; 7] = [
        CommandName::Connect,
        CommandName::Status,
        CommandName::Ping,
        CommandName::Accounts,
        CommandName::Reset,
        CommandName::Disconnect,
        CommandName::Shutdown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CommandName::Connect => "connect",
            CommandName::Status => "status",
            CommandName::Ping => "ping",
            CommandName::Accounts => "accounts",
            CommandName::Reset => "reset",
            CommandName::Disconnect => "disconnect",
            CommandName::Shutdown => "shutdown",
        }
    }
}

impl fmt::Display for CommandName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CommandName {
    /// The text that named no command.
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        CommandName::ALL
            .into_iter()
            .find(|name| name.as_str() == text)
            .ok_or_else(|| text.to_string())
    }
}

/// A checked request: the command with its typed params.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Connect(ConnectParams),
    Status,
    Ping,
    Accounts,
    Reset,
    Disconnect,
    Shutdown,
}

impl Command {
    pub fn name(&self) -> CommandName {
        match self {
            Command::Connect(_) => CommandName::Connect,
            Command::Status => CommandName::Status,
            Command::Ping => CommandName::Ping,
            Command::Accounts => CommandName::Accounts,
            Command::Reset => CommandName::Reset,
            Command::Disconnect => CommandName::Disconnect,
            Command::Shutdown => CommandName::Shutdown,
        }
    }
}

/// `connect` params. A field left out comes from the environment (IBKR_HOST, IBKR_PORT, IBKR_CLIENT_ID,
/// IBKR_READONLY, IBKR_TIMEOUT), then the defaults. Integers are i32 so that an out-of-range number
/// still parses and can be answered with its allowed range (port 1..65535, client id 0..2147483647).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct ConnectParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readonly: Option<bool>,
    /// Seconds, fractional (0.1..600).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_typed_connect_becomes_the_documented_line() {
        let params = ConnectParams {
            host: Some("127.0.0.1".into()),
            port: Some(4002),
            client_id: Some(888),
            readonly: Some(true),
            timeout: Some(10.0),
        };
        let line = serde_json::to_value(Request::new(Some(json!(7)), &Command::Connect(params)))
            .expect("serialize");
        assert_eq!(
            line,
            json!({"id": 7, "command": "connect", "params":
                {"host": "127.0.0.1", "port": 4002, "client_id": 888, "readonly": true, "timeout": 10.0}})
        );
    }

    #[test]
    fn the_flat_form_is_not_a_request() {
        let flat = json!({"command": "connect", "host": "127.0.0.1"});
        let err = serde_json::from_value::<Request>(flat).expect_err("flat form must not parse");
        assert!(err.to_string().contains("unknown field `host`"), "{err}");
    }

    #[test]
    fn command_names_round_trip() {
        for name in CommandName::ALL {
            assert_eq!(name.as_str().parse::<CommandName>(), Ok(name));
            assert_eq!(
                serde_json::to_value(name).expect("serialize"),
                json!(name.as_str())
            );
        }
        assert_eq!("conect".parse::<CommandName>(), Err("conect".to_string()));
    }
}
