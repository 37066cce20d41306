//! Bounded property tests ("fuzzing in CI") of the worker's request-line parser: it never panics, a
//! well-formed request parses to exactly what was written and survives a round trip, and a bad line is a
//! BAD_REQUEST that echoes the request's id. fuzz/fuzz_targets/worker_request.rs runs the same properties
//! for longer with coverage guidance.

use gateway_proto::{Command, ConnectParams, ErrorCode, Request};
use gateway_testkit::request::same_command;
use gateway_worker::request;
use proptest::prelude::*;
use serde_json::{Value, json};

fn id() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        Just(None),
        any::<i64>().prop_map(|n| Some(json!(n))),
        "[a-z0-9-]{0,12}".prop_map(|s| Some(json!(s))),
    ]
}

fn connect_params() -> impl Strategy<Value = ConnectParams> {
    (
        proptest::option::of("[a-z0-9.:-]{1,20}"),
        proptest::option::of(any::<i32>()),
        proptest::option::of(any::<i32>()),
        proptest::option::of(any::<bool>()),
        proptest::option::of(0.0f64..1e6),
    )
        .prop_map(|(host, port, client_id, readonly, timeout)| ConnectParams {
            host,
            port,
            client_id,
            readonly,
            timeout,
        })
}

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        connect_params().prop_map(Command::Connect),
        Just(Command::Status),
        Just(Command::Ping),
        Just(Command::Accounts),
        Just(Command::Reset),
        Just(Command::Disconnect),
        Just(Command::Shutdown),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_and_bad_lines_are_bad_requests(line in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Err(rejected) = request::parse(&line) {
            prop_assert_eq!(rejected.error.code(), ErrorCode::BadRequest);
        }
        let _ = request::leading_id(&line);
    }

    #[test]
    fn a_written_request_parses_to_itself_and_round_trips(id in id(), command in command()) {
        let line = serde_json::to_vec(&Request::new(id.clone(), &command)).expect("serialise");
        let parsed = request::parse(&line).map_err(|e| TestCaseError::fail(e.error.to_string()))?;
        prop_assert!(same_command(&parsed.command, &command), "{:?} != {:?}", parsed.command, command);
        prop_assert_eq!(&parsed.id, &id);
        let again = serde_json::to_vec(&Request::new(parsed.id.clone(), &parsed.command)).expect("serialise");
        let reparsed = request::parse(&again).map_err(|e| TestCaseError::fail(e.error.to_string()))?;
        prop_assert!(same_command(&reparsed.command, &command));
    }

    #[test]
    fn the_flat_form_is_refused_naming_params_and_echoing_the_id(
        id in id(),
        keys in prop::sample::subsequence(vec!["host", "port", "client_id", "readonly", "timeout"], 1..=5),
    ) {
        let mut object = json!({"command": "connect"});
        if let Some(id) = &id {
            object["id"] = id.clone();
        }
        for key in keys {
            object[key] = json!(1);
        }
        let rejected = request::parse(object.to_string().as_bytes()).expect_err("the flat form must fail");
        prop_assert!(rejected.error.to_string().contains("\"params\""));
        prop_assert_eq!(rejected.id, id);
    }

    #[test]
    fn unknown_top_level_keys_are_refused_with_the_id_echoed(id in id(), key in "[a-z_]{1,10}") {
        prop_assume!(!["id", "command", "params", "host", "port", "client_id", "readonly", "timeout"].contains(&key.as_str()));
        let mut object = json!({"command": "status", key.clone(): true});
        if let Some(id) = &id {
            object["id"] = id.clone();
        }
        let rejected = request::parse(object.to_string().as_bytes()).expect_err("unknown keys must fail");
        prop_assert!(rejected.error.to_string().contains(&key));
        prop_assert_eq!(rejected.id, id);
    }
}
