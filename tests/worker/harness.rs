//! The worker tests' vocabulary: requests, and what a response must say. The process itself is
//! gateway-testkit's [`Worker`].

use std::time::Duration;

use serde_json::{Value, json};

pub use gateway_testkit::Worker;

/// The tests' bound on anything that must not hang.
pub const BOUND: Duration = gateway_testkit::worker::REQUEST_WITHIN;

/// A connect request to the simulator with a handshake timeout in seconds.
pub fn connect(id: u32, port: u16, client_id: i32, timeout: f64) -> Value {
    json!({"id": id, "command": "connect", "params":
        {"host": "127.0.0.1", "port": port, "client_id": client_id, "readonly": true, "timeout": timeout}})
}

pub fn command(id: u32, name: &str) -> Value {
    json!({"id": id, "command": name})
}

/// The `data` of a success response.
pub fn success(response: &Value) -> &Value {
    assert_eq!(
        response["status"], "success",
        "expected success: {response}"
    );
    &response["data"]
}

/// The `error` of an error response, checked to carry `code`.
pub fn failure<'a>(response: &'a Value, code: &str) -> &'a Value {
    assert_eq!(response["status"], "error", "expected an error: {response}");
    assert_eq!(response["error"]["code"], code, "wrong code: {response}");
    &response["error"]
}

/// The message of an error response, checked to carry `code`.
pub fn failure_message(response: &Value, code: &str) -> String {
    failure(response, code)["message"]
        .as_str()
        .expect("an error has a message")
        .to_string()
}

/// The step names of a handshake report or error.
pub fn step_names(steps: &Value) -> Vec<String> {
    steps
        .as_array()
        .unwrap_or_else(|| panic!("steps are not a list: {steps}"))
        .iter()
        .map(|s| s["step"].as_str().expect("step name").to_string())
        .collect()
}
