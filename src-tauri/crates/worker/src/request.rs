//! Turns one input line into a checked [`Command`], or a BAD_REQUEST that says exactly what is wrong.
//!
//! The line is parsed as JSON first so the request's `id` can be echoed even when the rest is wrong.
//! Settings written beside `params` (the field report's flat form) get their own message naming `params`.

use gateway_proto::{Command, CommandName, ConnectParams, Request};
use serde_json::{Map, Value};

use crate::errors::WorkerError;

/// Connect settings that belong inside `params`.
const CONNECT_KEYS: [&str; 5] = ["host", "port", "client_id", "readonly", "timeout"];

/// A request line that was understood.
#[derive(Debug)]
pub struct Parsed {
    pub id: Option<Value>,
    pub command: Command,
}

/// A request line that was not; `id` is echoed when the line had one.
#[derive(Debug)]
pub struct Rejected {
    pub id: Option<Value>,
    pub error: WorkerError,
}

pub fn parse(line: &[u8]) -> Result<Parsed, Rejected> {
    let reject = |id: Option<Value>, message: String| Rejected {
        id,
        error: WorkerError::BadRequest(message),
    };
    let value: Value = serde_json::from_slice(line).map_err(|e| {
        reject(
            None,
            format!("The request is not valid JSON ({e}). Send one JSON object per line."),
        )
    })?;
    let Value::Object(object) = value else {
        return Err(reject(
            None,
            "The request must be a JSON object such as {\"command\":\"status\"}.".into(),
        ));
    };
    let id = object.get("id").filter(|id| !id.is_null()).cloned();
    if let Some(message) = flat_form(&object) {
        return Err(reject(id, message));
    }
    let request: Request = serde_json::from_value(Value::Object(object)).map_err(|e| {
        reject(
            id.clone(),
            format!("The request is not understood ({e}). A request has only \"id\", \"command\" and \"params\"."),
        )
    })?;
    command(request.command.as_str(), request.params)
        .map(|command| Parsed {
            id: id.clone(),
            command,
        })
        .map_err(|message| reject(id, message))
}

/// The id of a request whose line was too long to parse, when the line starts with it
/// (`{"id": ..., ...`): only the start of such a line is kept.
pub fn leading_id(head: &[u8]) -> Option<Value> {
    let rest = head
        .trim_ascii_start()
        .strip_prefix(b"{")?
        .trim_ascii_start();
    let rest = rest
        .strip_prefix(b"\"id\"")?
        .trim_ascii_start()
        .strip_prefix(b":")?;
    let mut values = serde_json::Deserializer::from_slice(rest).into_iter::<Value>();
    values.next()?.ok().filter(|id| !id.is_null())
}

/// The message for connect settings found at the top level, if any.
fn flat_form(object: &Map<String, Value>) -> Option<String> {
    let misplaced: Vec<&str> = CONNECT_KEYS
        .into_iter()
        .filter(|key| object.contains_key(*key))
        .collect();
    if misplaced.is_empty() {
        return None;
    }
    Some(format!(
        "Connect settings must go inside \"params\", but {} {} at the top level of the request. Write \
         {{\"command\":\"connect\",\"params\":{{\"host\":\"127.0.0.1\",\"port\":4002,\"client_id\":1}}}}.",
        misplaced
            .iter()
            .map(|key| format!("\"{key}\""))
            .collect::<Vec<_>>()
            .join(", "),
        if misplaced.len() == 1 { "is" } else { "are" },
    ))
}

fn command(name: &str, params: Option<Value>) -> Result<Command, String> {
    let name: CommandName = name.parse().map_err(|unknown| {
        let known: Vec<&str> = CommandName::ALL
            .into_iter()
            .map(CommandName::as_str)
            .collect();
        format!(
            "Unknown command {unknown:?}: use one of {}.",
            known.join(", ")
        )
    })?;
    let command = match name {
        CommandName::Connect => return connect_params(params).map(Command::Connect),
        CommandName::Status => Command::Status,
        CommandName::Ping => Command::Ping,
        CommandName::Accounts => Command::Accounts,
        CommandName::Reset => Command::Reset,
        CommandName::Disconnect => Command::Disconnect,
        CommandName::Shutdown => Command::Shutdown,
    };
    let empty = match &params {
        None | Some(Value::Null) => true,
        Some(Value::Object(map)) => map.is_empty(),
        Some(_) => false,
    };
    if empty {
        Ok(command)
    } else {
        Err(format!(
            "The command \"{name}\" takes no params; leave \"params\" out."
        ))
    }
}

fn connect_params(params: Option<Value>) -> Result<ConnectParams, String> {
    let params = match params {
        None | Some(Value::Null) => return Ok(ConnectParams::default()),
        Some(Value::Object(map)) => Value::Object(map),
        Some(other) => return Err(format!("\"params\" must be an object, not {other}.")),
    };
    serde_path_to_error::deserialize(params).map_err(|e| {
        let field = e.path().to_string();
        let hint = match field.as_str() {
            "host" => " (a host name or IP address as text)",
            "port" => " (a whole number from 1 to 65535)",
            "client_id" => " (a whole number from 0 to 2147483647)",
            "readonly" => " (true or false)",
            "timeout" => " (seconds from 0.1 to 600, fractions allowed)",
            _ => "",
        };
        if field == "." {
            format!("The connect params are not understood: {}.", e.inner())
        } else {
            format!("params.{field} is not valid{hint}: {}.", e.inner())
        }
    })
}

#[cfg(test)]
mod tests {
    use gateway_proto::ErrorCode;
    use serde_json::json;

    use super::*;

    fn rejected(line: &str) -> Rejected {
        parse(line.as_bytes()).expect_err(line)
    }

    #[test]
    fn the_documented_connect_line_parses() {
        let line = r#"{"command":"connect","params":{"host":"127.0.0.1","port":4002,"client_id":888,"readonly":true,"timeout":10.0}}"#;
        let parsed = parse(line.as_bytes()).expect("valid");
        let Command::Connect(params) = parsed.command else {
            panic!("not a connect: {parsed:?}");
        };
        assert_eq!(
            (params.port, params.client_id, params.timeout),
            (Some(4002), Some(888), Some(10.0))
        );
        assert_eq!(parsed.id, None);
    }

    #[test]
    fn the_flat_form_names_params_and_echoes_the_id() {
        let err = rejected(r#"{"id":5,"command":"connect","host":"127.0.0.1","port":4002}"#);
        assert_eq!(err.id, Some(json!(5)));
        assert_eq!(err.error.code(), ErrorCode::BadRequest);
        let text = err.error.to_string();
        assert!(
            text.contains("\"params\"") && text.contains("\"host\", \"port\""),
            "{text}"
        );
    }

    #[test]
    fn each_kind_of_mistake_gets_its_own_message() {
        let cases = [
            ("{not json", "not valid JSON"),
            ("[1,2]", "must be a JSON object"),
            (
                r#"{"id":1,"command":"conect"}"#,
                "Unknown command \"conect\"",
            ),
            (
                r#"{"id":1,"command":"status","extra":1}"#,
                "unknown field `extra`",
            ),
            (
                r#"{"id":1,"command":"status","params":{"x":1}}"#,
                "takes no params",
            ),
            (
                r#"{"id":1,"command":"connect","params":{"hots":"x"}}"#,
                "unknown field `hots`",
            ),
            (
                r#"{"id":1,"command":"connect","params":{"port":"4002"}}"#,
                "params.port is not valid (a whole number",
            ),
            (
                r#"{"id":1,"command":"connect","params":{"readonly":"yes"}}"#,
                "params.readonly is not valid",
            ),
            (
                r#"{"id":1,"command":"connect","params":[1]}"#,
                "must be an object",
            ),
            (r#"{"id":1,"command":5}"#, "not understood"),
        ];
        for (line, expected) in cases {
            let err = rejected(line);
            let text = err.error.to_string();
            assert!(text.contains(expected), "{line}: {text}");
            assert_eq!(err.error.code(), ErrorCode::BadRequest);
        }
    }

    #[test]
    fn the_id_is_found_at_the_start_of_a_cut_off_line() {
        assert_eq!(
            leading_id(br#" { "id" : "big-1", "command": "status", "params": {"x": "aaaa"#),
            Some(json!("big-1"))
        );
        assert_eq!(leading_id(br#"{"id":42,"command""#), Some(json!(42)));
        assert_eq!(leading_id(br#"{"command":"status","id":1"#), None);
        assert_eq!(leading_id(br#"{"id":"unterminated"#), None);
    }

    #[test]
    fn empty_params_are_accepted_for_commands_without_params() {
        for line in [
            r#"{"command":"ping","params":{}}"#,
            r#"{"command":"ping","params":null}"#,
        ] {
            assert_eq!(parse(line.as_bytes()).expect(line).command, Command::Ping);
        }
    }
}
