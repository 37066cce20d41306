//! Comparing worker requests after a round trip through JSON, for the property tests and the fuzz target
//! of the worker's request parser (src-tauri/crates/worker/tests/request_props.rs,
//! fuzz/fuzz_targets/worker_request.rs).

use gateway_proto::{Command, ConnectParams};

/// Numbers equal to within 2 ulp: serde_json (without its `float_roundtrip` feature) may read a 17-digit
/// decimal back 1 ulp off the number that printed it.
pub fn same_f64(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 2.0 * f64::EPSILON * a.abs().max(b.abs())
}

/// Equal commands, with the connect timeout compared by [`same_f64`].
pub fn same_command(a: &Command, b: &Command) -> bool {
    match (a, b) {
        (Command::Connect(a), Command::Connect(b)) => {
            let timeouts = match (a.timeout, b.timeout) {
                (Some(x), Some(y)) => same_f64(x, y),
                (x, y) => x == y,
            };
            timeouts
                && ConnectParams {
                    timeout: None,
                    ..a.clone()
                } == ConnectParams {
                    timeout: None,
                    ..b.clone()
                }
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_one_ulp_apart_are_the_same_and_other_differences_are_not() {
        let connect = |timeout: Option<f64>, port: Option<i32>| {
            Command::Connect(ConnectParams {
                timeout,
                port,
                ..ConnectParams::default()
            })
        };
        let t = 0.1f64;
        let next = f64::from_bits(t.to_bits() + 1);
        assert!(same_command(
            &connect(Some(t), None),
            &connect(Some(next), None)
        ));
        assert!(!same_command(
            &connect(Some(t), None),
            &connect(Some(0.2), None)
        ));
        assert!(!same_command(&connect(Some(t), None), &connect(None, None)));
        assert!(!same_command(
            &connect(None, Some(1)),
            &connect(None, Some(2))
        ));
        assert!(same_command(&Command::Status, &Command::Status));
        assert!(!same_command(&Command::Status, &Command::Ping));
    }
}
