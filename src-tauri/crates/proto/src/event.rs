//! Unsolicited lines: `{"event":"state","data":{...}}` and `{"event":"notice","data":{"code":..,"message":..}}`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::response::Response;
use crate::status::WorkerStatus;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(tag = "event", content = "data", rename_all = "snake_case")]
pub enum Event {
    /// The whole status, sent whenever anything in it but the heartbeat's round-trip time changed.
    State(Box<WorkerStatus>),
    /// An IB notice (error code with request id -1: connectivity, farms, warnings).
    Notice(NoticeData),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct NoticeData {
    pub code: i32,
    pub message: String,
}

/// Any line the worker writes on stdout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(untagged)]
pub enum WorkerOutput {
    Event(Event),
    Response(Response),
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{ConnectData, ErrorBody, ErrorCode, ResponseData, SessionState};

    fn round_trip(line: &WorkerOutput) -> serde_json::Value {
        let json = serde_json::to_value(line).expect("serialize");
        let back: WorkerOutput = serde_json::from_value(json.clone()).expect("deserialize");
        assert_eq!(&back, line, "{json}");
        json
    }

    #[test]
    fn responses_have_the_documented_envelope() {
        let ok = WorkerOutput::Response(Response::success(
            Some(json!("a")),
            ResponseData::Connect(ConnectData {
                connected: true,
                accounts: vec!["DU1234567".into()],
                client_id: 888,
                server_version: 226,
                connection_time: None,
                handshake_ms: 1.5,
                steps: vec![],
                host: "127.0.0.1".into(),
                port: 4002,
                readonly: true,
            }),
        ));
        let json = round_trip(&ok);
        assert_eq!(json["id"], json!("a"));
        assert_eq!(json["status"], json!("success"));
        assert_eq!(json["data"]["client_id"], json!(888));

        let err = WorkerOutput::Response(Response::error(
            None,
            ErrorBody::new(ErrorCode::NotConnected, "no"),
        ));
        let json = round_trip(&err);
        assert_eq!(
            json,
            json!({"status": "error", "error": {"code": "NOT_CONNECTED", "message": "no"}})
        );
    }

    #[test]
    fn events_have_the_documented_envelope() {
        let notice = WorkerOutput::Event(Event::Notice(NoticeData {
            code: 1100,
            message: "lost".into(),
        }));
        assert_eq!(
            round_trip(&notice),
            json!({"event": "notice", "data": {"code": 1100, "message": "lost"}})
        );

        let state = WorkerOutput::Event(Event::State(Box::default()));
        let json = round_trip(&state);
        assert_eq!(json["event"], json!("state"));
        assert_eq!(json["data"]["session"], json!(SessionState::Disconnected));
        assert_eq!(json["data"]["link"]["state"], json!("unknown"));
    }
}
