//! The session protocol's (v2) lines, both ways, and how each side reads the other's. A client line is
//! checked by hand after it parses as JSON, so a wrong shape gets an error that names what was expected.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::SESSION_VERSION;

/// Who opened a session: the window gets every event, a CLI only after it asks for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Window,
    Cli,
}

/// The client's first line's body: `{"v":2,"hello":{"role":..,"build":..}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hello {
    pub role: Role,
    /// The client's package version, so the keeper can tell a window from another install.
    pub build: String,
}

/// The server's answer to a hello: `{"v":2,"welcome":{"build":..,"pid":..}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Welcome {
    pub build: String,
    pub pid: u32,
}

/// One event: the wire line is exactly this, `{"event":"<name>","payload":<json>}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkEvent {
    pub event: String,
    pub payload: Value,
}

impl LinkEvent {
    pub fn new(event: impl Into<String>, payload: Value) -> LinkEvent {
        LinkEvent {
            event: event.into(),
            payload,
        }
    }
}

/// The event a connection gets when it fell behind and `missed` events were dropped for it.
pub const LAGGED_EVENT: &str = "link://lagged";

pub(super) fn lagged(missed: u64) -> LinkEvent {
    LinkEvent::new(LAGGED_EVENT, serde_json::json!({ "missed": missed }))
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HelloLine {
    pub v: u32,
    pub hello: Hello,
}

#[derive(Serialize)]
pub(super) struct WelcomeLine<'a> {
    pub v: u32,
    pub welcome: &'a Welcome,
}

/// What a client sends after its hello.
#[derive(Debug, PartialEq)]
pub(super) enum ClientLine {
    Call { id: u64, name: String, args: Value },
    Subscribe,
}

/// A client line that is not one: the words for the error line, and the call's id when there was one.
#[derive(Debug, PartialEq)]
pub(super) struct LineFault {
    pub id: Option<u64>,
    pub why: String,
}

impl ClientLine {
    pub(super) fn parse(line: &[u8]) -> Result<ClientLine, LineFault> {
        let value: Value = serde_json::from_slice(line).map_err(|e| LineFault {
            id: None,
            why: format!("the line is not JSON: {e}"),
        })?;
        let Value::Object(mut map) = value else {
            return Err(fault(None, "the line is not a JSON object"));
        };
        let id = map.get("id").and_then(Value::as_u64);
        if map.contains_key("call") {
            return parse_call(&mut map, id);
        }
        if let Some(subscribe) = map.get("subscribe") {
            return match (subscribe, map.len()) {
                (Value::Bool(true), 1) => Ok(ClientLine::Subscribe),
                _ => Err(fault(
                    id,
                    "a subscribe line is exactly {\"subscribe\":true}",
                )),
            };
        }
        Err(fault(
            id,
            "unknown message: expected a call {\"id\":N,\"call\":\"<name>\",\"args\":<json>} or \
             {\"subscribe\":true}",
        ))
    }
}

fn parse_call(map: &mut Map<String, Value>, id: Option<u64>) -> Result<ClientLine, LineFault> {
    let Some(id) = id else {
        return Err(fault(
            None,
            "a call needs \"id\", a whole number of 0 or more",
        ));
    };
    let Some(Value::String(name)) = map.remove("call") else {
        return Err(fault(
            Some(id),
            "a call's \"call\" is the command's name, a string",
        ));
    };
    let args = map.remove("args").unwrap_or(Value::Null);
    map.remove("id");
    if let Some(extra) = map.keys().next() {
        return Err(fault(Some(id), &format!("a call has no field \"{extra}\"")));
    }
    Ok(ClientLine::Call { id, name, args })
}

fn fault(id: Option<u64>, why: &str) -> LineFault {
    LineFault {
        id,
        why: why.to_string(),
    }
}

/// An event's line, from its name and payload as the keeper's own event type holds them.
pub(super) fn event_line(event: &str, payload: &Value) -> String {
    #[derive(Serialize)]
    struct EventLine<'a> {
        event: &'a str,
        payload: &'a Value,
    }
    encode(&EventLine { event, payload })
}

/// A line the server writes, encoded.
pub(super) fn reply_line(id: u64, result: Result<Value, Value>) -> String {
    let mut map = Map::new();
    map.insert("id".into(), Value::from(id));
    match result {
        Ok(ok) => map.insert("ok".into(), ok),
        Err(err) => map.insert("err".into(), err),
    };
    encode(&Value::Object(map))
}

/// `{"error":"..."}`, with the call's `id` when the fault was in a call.
pub(super) fn error_line(id: Option<u64>, why: &str) -> String {
    let mut map = Map::new();
    if let Some(id) = id {
        map.insert("id".into(), Value::from(id));
    }
    map.insert("error".into(), Value::from(why));
    encode(&Value::Object(map))
}

/// The first-line error of a session: `{"v":2,"error":"..."}` (a v1 client reads it as a reply too).
pub(super) fn refusal_line(why: &str) -> String {
    encode(&serde_json::json!({ "v": SESSION_VERSION, "error": why }))
}

/// One JSON line with its newline. Serializing a `Value` or these plain structs cannot fail (string keys,
/// no non-finite floats in a `Value`); were it ever to, the line says so instead of vanishing.
pub(super) fn encode<T: Serialize>(value: &T) -> String {
    let mut line = serde_json::to_string(value).unwrap_or_else(|e| {
        serde_json::json!({ "error": format!("the server could not encode a line: {e}") })
            .to_string()
    });
    line.push('\n');
    line
}

/// What a server line means to a client.
#[derive(Debug, PartialEq)]
pub(super) enum ServerLine {
    Reply {
        id: u64,
        result: Result<Value, Value>,
    },
    Event(LinkEvent),
    Error {
        id: Option<u64>,
        why: String,
    },
}

impl ServerLine {
    pub(super) fn parse(line: &[u8]) -> Result<ServerLine, String> {
        let value: Value =
            serde_json::from_slice(line).map_err(|e| format!("a line is not JSON: {e}"))?;
        let Value::Object(mut map) = value else {
            return Err("a line is not a JSON object".into());
        };
        let id = map.get("id").and_then(Value::as_u64);
        if let Some(error) = map.remove("error") {
            let why = match error {
                Value::String(why) => why,
                other => other.to_string(),
            };
            return Ok(ServerLine::Error { id, why });
        }
        if let Some(Value::String(event)) = map.remove("event") {
            let payload = map.remove("payload").unwrap_or(Value::Null);
            return Ok(ServerLine::Event(LinkEvent { event, payload }));
        }
        let result = match (map.remove("ok"), map.remove("err")) {
            (Some(ok), None) => Ok(ok),
            (None, Some(err)) => Err(err),
            _ => return Err("a line is neither a reply, an event nor an error".into()),
        };
        match id {
            Some(id) => Ok(ServerLine::Reply { id, result }),
            None => Err("a reply has no id".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn why(line: &str) -> LineFault {
        ClientLine::parse(line.as_bytes()).expect_err(line)
    }

    #[test]
    fn calls_and_subscribe_parse_and_every_wrong_shape_says_what_was_expected() {
        assert_eq!(
            ClientLine::parse(br#"{"id":3,"call":"get_status","args":{"a":1}}"#),
            Ok(ClientLine::Call {
                id: 3,
                name: "get_status".into(),
                args: json!({"a":1})
            })
        );
        assert_eq!(
            ClientLine::parse(br#"{"id":4,"call":"get_status"}"#),
            Ok(ClientLine::Call {
                id: 4,
                name: "get_status".into(),
                args: Value::Null
            }),
            "no args is null args"
        );
        assert_eq!(
            ClientLine::parse(br#"{"subscribe":true}"#),
            Ok(ClientLine::Subscribe)
        );
        assert!(why("{\"id\":1,").why.starts_with("the line is not JSON"));
        assert_eq!(why("[1]").why, "the line is not a JSON object");
        assert!(why(r#"{"call":"x"}"#).why.contains("needs \"id\""));
        assert!(why(r#"{"id":-1,"call":"x"}"#).why.contains("needs \"id\""));
        let named = why(r#"{"id":7,"call":5}"#);
        assert_eq!(named.id, Some(7), "the fault names the call it is about");
        assert!(named.why.contains("a string"));
        assert!(
            why(r#"{"id":7,"call":"x","kill":1}"#)
                .why
                .contains("\"kill\"")
        );
        assert!(why(r#"{"subscribe":false}"#).why.contains("exactly"));
        assert!(
            why(r#"{"id":2,"hello":{}}"#)
                .why
                .starts_with("unknown message")
        );
    }

    #[test]
    fn server_lines_round_trip_through_the_client_reading() {
        let reply = reply_line(9, Ok(json!({"phase":"idle"})));
        assert_eq!(
            ServerLine::parse(reply.trim_end().as_bytes()),
            Ok(ServerLine::Reply {
                id: 9,
                result: Ok(json!({"phase":"idle"}))
            })
        );
        let err = reply_line(10, Err(json!({"code":"bad"})));
        assert_eq!(
            ServerLine::parse(err.as_bytes()),
            Ok(ServerLine::Reply {
                id: 10,
                result: Err(json!({"code":"bad"}))
            })
        );
        let event = encode(&lagged(4));
        assert_eq!(
            ServerLine::parse(event.as_bytes()),
            Ok(ServerLine::Event(LinkEvent::new(
                LAGGED_EVENT,
                json!({"missed":4})
            )))
        );
        assert_eq!(
            ServerLine::parse(event_line("status://view", &json!([1])).as_bytes()),
            Ok(ServerLine::Event(LinkEvent::new(
                "status://view",
                json!([1])
            ))),
            "a keeper's own event type is written as a LinkEvent is"
        );
        assert_eq!(
            ServerLine::parse(error_line(Some(2), "no").as_bytes()),
            Ok(ServerLine::Error {
                id: Some(2),
                why: "no".into()
            })
        );
        assert!(ServerLine::parse(br#"{"id":1}"#).is_err());
        assert!(ServerLine::parse(br#"{"ok":1}"#).is_err());
    }
}
