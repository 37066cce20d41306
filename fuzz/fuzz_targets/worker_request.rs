//! gateway-worker's request-line parser on arbitrary bytes (one stdin line, as the worker hands it over).
//!
//! Properties, beyond not panicking:
//! - an accepted line re-serialises (the protocol's own `Request::new`) to a line that parses to the same
//!   command and id;
//! - a rejected line is a BAD_REQUEST with a message, and echoes the line's `id` whenever the line was a
//!   JSON object with one;
//! - connect settings at the top level (the field report's flat form) are always rejected, naming `params`;
//! - the id found at the start of a cut-off line is never `null`.
#![no_main]

use gateway_proto::{ErrorCode, Request};
use gateway_testkit::request::{same_command, same_f64};
use gateway_worker::request::{self, leading_id};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const CONNECT_KEYS: [&str; 5] = ["host", "port", "client_id", "readonly", "timeout"];

fn same_value(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => {
            x == y || matches!((x.as_f64(), y.as_f64()), (Some(p), Some(q)) if same_f64(p, q))
        }
        (Some(Value::Array(x)), Some(Value::Array(y))) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_value(Some(x), Some(y)))
        }
        (Some(Value::Object(x)), Some(Value::Object(y))) => {
            x.len() == y.len() && x.iter().all(|(k, v)| same_value(Some(v), y.get(k)))
        }
        _ => a == b,
    }
}

fuzz_target!(|line: &[u8]| {
    let as_json = serde_json::from_slice::<Value>(line).ok();
    let object = as_json.as_ref().and_then(Value::as_object);
    let given_id = object.and_then(|o| o.get("id")).filter(|id| !id.is_null());
    match request::parse(line) {
        Ok(parsed) => {
            let object = object.expect("an accepted line is a JSON object");
            assert_eq!(
                object.get("command").and_then(Value::as_str),
                Some(parsed.command.name().as_str()),
                "the command is the line's command"
            );
            assert_eq!(parsed.id.as_ref(), given_id, "the id is the line's id");
            assert!(
                !CONNECT_KEYS.iter().any(|k| object.contains_key(*k)),
                "a flat-form line was accepted"
            );
            let again = serde_json::to_vec(&Request::new(parsed.id.clone(), &parsed.command))
                .expect("a parsed request serialises");
            let reparsed = request::parse(&again).unwrap_or_else(|e| {
                panic!(
                    "the re-serialised line is refused: {:?}",
                    e.error.to_string()
                )
            });
            assert!(
                same_command(&reparsed.command, &parsed.command),
                "the command changed in a round trip: {:?} -> {:?}",
                parsed.command,
                reparsed.command
            );
            assert!(
                same_value(reparsed.id.as_ref(), parsed.id.as_ref()),
                "the id changed in a round trip: {:?} -> {:?}",
                parsed.id,
                reparsed.id
            );
        }
        Err(rejected) => {
            assert_eq!(rejected.error.code(), ErrorCode::BadRequest);
            let message = rejected.error.to_string();
            assert!(!message.is_empty());
            if let Some(id) = given_id {
                assert_eq!(
                    rejected.id.as_ref(),
                    Some(id),
                    "the id is echoed: {message}"
                );
            }
            if object.is_some_and(|o| CONNECT_KEYS.iter().any(|k| o.contains_key(*k))) {
                assert!(
                    message.contains("params"),
                    "the flat form is named: {message}"
                );
            }
        }
    }
    if let Some(id) = leading_id(line) {
        assert!(!id.is_null());
    }
});
