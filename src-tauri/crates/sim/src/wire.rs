//! The two dialects of TWS API messages and the handful of messages the simulator speaks.
//!
//! The version handshake decides the dialect per connection. Below 201 every frame is NUL-separated text whose
//! first field is the message id (ib_async speaks v157..178). From 213 every frame starts with a 4-byte
//! big-endian message id; an id above 200 means "id - 200, protobuf payload" (ibapi 5.x speaks v213..226).
//! Versions 201..212 mixed the two per message family and are refused, as ibapi itself refuses them.

use prost::Message;

/// Message ids of the requests the simulator understands (client -> Gateway).
pub mod req {
    pub const REQ_OPEN_ORDERS: i32 = 5;
    pub const REQ_ACCOUNT_UPDATES: i32 = 6;
    pub const REQ_EXECUTIONS: i32 = 7;
    pub const REQ_IDS: i32 = 8;
    pub const REQ_AUTO_OPEN_ORDERS: i32 = 15;
    pub const REQ_MANAGED_ACCTS: i32 = 17;
    pub const REQ_CURRENT_TIME: i32 = 49;
    pub const REQ_POSITIONS: i32 = 61;
    pub const START_API: i32 = 71;
    pub const REQ_ACCOUNT_UPDATES_MULTI: i32 = 76;
    pub const REQ_COMPLETED_ORDERS: i32 = 99;
    pub const REQ_CURRENT_TIME_IN_MILLIS: i32 = 105;
}

/// Message ids of what the simulator sends (Gateway -> client).
mod msg {
    pub const ERROR: i32 = 4;
    pub const ACCOUNT_UPDATE_TIME: i32 = 8;
    pub const NEXT_VALID_ID: i32 = 9;
    pub const MANAGED_ACCTS: i32 = 15;
    pub const CURRENT_TIME: i32 = 49;
    pub const OPEN_ORDER_END: i32 = 53;
    pub const ACCOUNT_DOWNLOAD_END: i32 = 54;
    pub const EXEC_DETAILS_END: i32 = 55;
    pub const POSITION_END: i32 = 62;
    pub const ACCOUNT_UPDATE_MULTI_END: i32 = 74;
    pub const COMPLETED_ORDERS_END: i32 = 102;
    pub const CURRENT_TIME_IN_MILLIS: i32 = 109;
}

/// Added to a message id to say "the payload is protobuf".
const PROTOBUF_OFFSET: i32 = 200;
/// Text-dialect error messages carry an advanced-order-reject field from this version on.
const ADVANCED_ORDER_REJECT: i32 = 166;
/// ... and the error time from this one.
const ERROR_TIME: i32 = 194;

/// How a negotiated server version frames its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// NUL-separated text fields, message id first (versions below 201).
    Text,
    /// 4-byte binary message id, protobuf payload (versions 213 and up).
    Protobuf,
}

impl Dialect {
    /// The dialect of a server version, or `None` for the refused partial-protobuf range 201..212.
    pub fn for_version(version: i32) -> Option<Dialect> {
        match version {
            ..201 => Some(Dialect::Text),
            201..=212 => None,
            _ => Some(Dialect::Protobuf),
        }
    }
}

/// The version range a client offered in its hello: `v{min}..{max}` or `v{n}`, optionally followed by
/// ` +options`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionRange {
    pub min: i32,
    pub max: i32,
}

impl VersionRange {
    /// Parses a hello frame body; `None` when it is not a version offer.
    pub fn parse(hello: &[u8]) -> Option<VersionRange> {
        let text = std::str::from_utf8(hello).ok()?;
        let offer = text.split(' ').next()?.strip_prefix('v')?;
        let (min, max) = match offer.split_once("..") {
            Some((min, max)) => (min.parse().ok()?, max.parse().ok()?),
            None => {
                let v = offer.parse().ok()?;
                (v, v)
            }
        };
        (min <= max && min > 0).then_some(VersionRange { min, max })
    }
}

/// The handshake reply: `{version}\0{yyyymmdd hh:mm:ss TZ}\0`, sent as one length-prefixed frame.
pub fn handshake_reply(version: i32, connection_time: &str) -> Vec<u8> {
    format!("{version}\0{connection_time}\0").into_bytes()
}

/// A message the simulator sends, independent of dialect.
#[derive(Debug, Clone, PartialEq)]
pub enum Outgoing {
    ManagedAccounts(String),
    NextValidId(i32),
    /// An error or notice; `id` -1 means "not about a request" (farm notices, 1100, 326).
    Error {
        id: i32,
        code: i32,
        message: String,
        time_ms: i64,
    },
    CurrentTime(i64),
    CurrentTimeInMillis(i64),
    PositionEnd,
    AccountUpdateTime(String),
    AccountDownloadEnd(String),
    AccountUpdateMultiEnd(i32),
    ExecDetailsEnd(i32),
    OpenOrderEnd,
    CompletedOrdersEnd,
}

/// Protobuf payloads, field for field as TWS sends them.
mod pb {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ManagedAccounts {
        #[prost(string, optional, tag = "1")]
        pub accounts_list: Option<String>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct NextValidId {
        #[prost(int32, optional, tag = "1")]
        pub order_id: Option<i32>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ErrorMessage {
        #[prost(int32, optional, tag = "1")]
        pub id: Option<i32>,
        #[prost(int64, optional, tag = "2")]
        pub error_time: Option<i64>,
        #[prost(int32, optional, tag = "3")]
        pub error_code: Option<i32>,
        #[prost(string, optional, tag = "4")]
        pub error_msg: Option<String>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct CurrentTime {
        #[prost(int64, optional, tag = "1")]
        pub current_time: Option<i64>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct CurrentTimeInMillis {
        #[prost(int64, optional, tag = "1")]
        pub current_time_in_millis: Option<i64>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct StartApiRequest {
        #[prost(int32, optional, tag = "1")]
        pub client_id: Option<i32>,
        #[prost(string, optional, tag = "2")]
        pub optional_capabilities: Option<String>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct IdsRequest {
        #[prost(int32, optional, tag = "1")]
        pub num_ids: Option<i32>,
    }
}

impl Outgoing {
    /// The frame body (without its length prefix) in the given dialect at the negotiated version.
    /// `None` for messages that have no form in that dialect here (the startup replies only ib_async needs).
    pub fn encode(&self, dialect: Dialect, version: i32) -> Option<Vec<u8>> {
        match dialect {
            Dialect::Text => Some(self.encode_text(version)),
            Dialect::Protobuf => self.encode_protobuf(),
        }
    }

    fn encode_text(&self, version: i32) -> Vec<u8> {
        let fields: Vec<String> = match self {
            Outgoing::ManagedAccounts(accounts) => {
                vec![s(msg::MANAGED_ACCTS), s(1), accounts.clone()]
            }
            Outgoing::NextValidId(id) => vec![s(msg::NEXT_VALID_ID), s(1), s(id)],
            Outgoing::Error {
                id,
                code,
                message,
                time_ms,
            } => {
                let mut f = vec![s(msg::ERROR), s(2), s(id), s(code), message.clone()];
                if version >= ADVANCED_ORDER_REJECT {
                    f.push(String::new());
                }
                if version >= ERROR_TIME {
                    f.push(s(time_ms));
                }
                f
            }
            Outgoing::CurrentTime(epoch) => vec![s(msg::CURRENT_TIME), s(1), s(epoch)],
            Outgoing::CurrentTimeInMillis(ms) => vec![s(msg::CURRENT_TIME_IN_MILLIS), s(ms)],
            Outgoing::PositionEnd => vec![s(msg::POSITION_END), s(1)],
            Outgoing::AccountUpdateTime(hhmm) => {
                vec![s(msg::ACCOUNT_UPDATE_TIME), s(1), hhmm.clone()]
            }
            Outgoing::AccountDownloadEnd(account) => {
                vec![s(msg::ACCOUNT_DOWNLOAD_END), s(1), account.clone()]
            }
            Outgoing::AccountUpdateMultiEnd(req_id) => {
                vec![s(msg::ACCOUNT_UPDATE_MULTI_END), s(1), s(req_id)]
            }
            Outgoing::ExecDetailsEnd(req_id) => vec![s(msg::EXEC_DETAILS_END), s(1), s(req_id)],
            Outgoing::OpenOrderEnd => vec![s(msg::OPEN_ORDER_END), s(1)],
            Outgoing::CompletedOrdersEnd => vec![s(msg::COMPLETED_ORDERS_END)],
        };
        let mut body = Vec::new();
        for field in fields {
            body.extend_from_slice(field.as_bytes());
            body.push(0);
        }
        body
    }

    fn encode_protobuf(&self) -> Option<Vec<u8>> {
        let (id, payload) = match self {
            Outgoing::ManagedAccounts(accounts) => (
                msg::MANAGED_ACCTS,
                pb::ManagedAccounts {
                    accounts_list: Some(accounts.clone()),
                }
                .encode_to_vec(),
            ),
            Outgoing::NextValidId(order_id) => (
                msg::NEXT_VALID_ID,
                pb::NextValidId {
                    order_id: Some(*order_id),
                }
                .encode_to_vec(),
            ),
            Outgoing::Error {
                id,
                code,
                message,
                time_ms,
            } => (
                msg::ERROR,
                pb::ErrorMessage {
                    id: Some(*id),
                    error_time: Some(*time_ms),
                    error_code: Some(*code),
                    error_msg: Some(message.clone()),
                }
                .encode_to_vec(),
            ),
            Outgoing::CurrentTime(epoch) => (
                msg::CURRENT_TIME,
                pb::CurrentTime {
                    current_time: Some(*epoch),
                }
                .encode_to_vec(),
            ),
            Outgoing::CurrentTimeInMillis(ms) => (
                msg::CURRENT_TIME_IN_MILLIS,
                pb::CurrentTimeInMillis {
                    current_time_in_millis: Some(*ms),
                }
                .encode_to_vec(),
            ),
            _ => return None,
        };
        let mut body = (id + PROTOBUF_OFFSET).to_be_bytes().to_vec();
        body.extend(payload);
        Some(body)
    }
}

fn s(value: impl ToString) -> String {
    value.to_string()
}

/// A request as the simulator understands it, whichever dialect it came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    StartApi {
        client_id: i32,
    },
    CurrentTime,
    CurrentTimeInMillis,
    ManagedAccounts,
    Ids,
    Positions,
    /// reqAccountUpdates; only a subscribe (not a cancel) is answered.
    AccountUpdates {
        subscribe: bool,
        account: String,
    },
    AccountUpdatesMulti {
        req_id: i32,
    },
    Executions {
        req_id: i32,
    },
    OpenOrders,
    CompletedOrders,
    AutoOpenOrders,
    /// A well-formed request the simulator does not act on (logged and ignored, as TWS ignores what it
    /// cannot serve for a read-only paper session).
    Unsupported {
        id: i32,
    },
}

/// Why a frame could not be read as a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("empty frame")]
    Empty,
    #[error("message id {0:?} is not a number")]
    BadId(String),
    #[error("field {field} of message {id} is missing or malformed")]
    BadField { id: i32, field: &'static str },
    #[error("protobuf payload of message {id} does not decode: {reason}")]
    BadProtobuf { id: i32, reason: String },
}

impl Request {
    /// Decodes one frame body in the given dialect.
    pub fn decode(body: &[u8], dialect: Dialect) -> Result<Request, RequestError> {
        match dialect {
            Dialect::Text => {
                let text = String::from_utf8_lossy(body);
                let fields: Vec<&str> = text.split_terminator('\0').collect();
                let first = fields.first().ok_or(RequestError::Empty)?;
                let id = first
                    .parse::<i32>()
                    .map_err(|_| RequestError::BadId(first.to_string()))?;
                Self::from_text(id, &fields)
            }
            Dialect::Protobuf => {
                let (id_bytes, payload) =
                    body.split_first_chunk::<4>().ok_or(RequestError::Empty)?;
                let raw_id = i32::from_be_bytes(*id_bytes);
                if raw_id > PROTOBUF_OFFSET {
                    Self::from_protobuf(raw_id - PROTOBUF_OFFSET, payload)
                } else {
                    // Binary id, NUL-separated text fields after it.
                    let text = String::from_utf8_lossy(payload);
                    let mut fields = vec![""];
                    fields.extend(text.split_terminator('\0'));
                    Self::from_text(raw_id, &fields)
                }
            }
        }
    }

    /// `fields[0]` is the message id; most requests carry a version in `fields[1]`.
    fn from_text(id: i32, fields: &[&str]) -> Result<Request, RequestError> {
        let int = |index: usize, field: &'static str| -> Result<i32, RequestError> {
            fields
                .get(index)
                .and_then(|v| v.parse().ok())
                .ok_or(RequestError::BadField { id, field })
        };
        Ok(match id {
            req::START_API => Request::StartApi {
                client_id: int(2, "clientId")?,
            },
            req::REQ_CURRENT_TIME => Request::CurrentTime,
            req::REQ_CURRENT_TIME_IN_MILLIS => Request::CurrentTimeInMillis,
            req::REQ_MANAGED_ACCTS => Request::ManagedAccounts,
            req::REQ_IDS => Request::Ids,
            req::REQ_POSITIONS => Request::Positions,
            req::REQ_ACCOUNT_UPDATES => Request::AccountUpdates {
                subscribe: matches!(fields.get(2), Some(&"1") | Some(&"True") | Some(&"true")),
                account: fields.get(3).map(|a| a.to_string()).unwrap_or_default(),
            },
            req::REQ_ACCOUNT_UPDATES_MULTI => Request::AccountUpdatesMulti {
                req_id: int(2, "reqId")?,
            },
            req::REQ_EXECUTIONS => Request::Executions {
                req_id: int(2, "reqId")?,
            },
            req::REQ_OPEN_ORDERS => Request::OpenOrders,
            req::REQ_COMPLETED_ORDERS => Request::CompletedOrders,
            req::REQ_AUTO_OPEN_ORDERS => Request::AutoOpenOrders,
            other => Request::Unsupported { id: other },
        })
    }

    fn from_protobuf(id: i32, payload: &[u8]) -> Result<Request, RequestError> {
        let bad = |e: prost::DecodeError| RequestError::BadProtobuf {
            id,
            reason: e.to_string(),
        };
        Ok(match id {
            req::START_API => {
                let start = pb::StartApiRequest::decode(payload).map_err(bad)?;
                Request::StartApi {
                    client_id: start.client_id.ok_or(RequestError::BadField {
                        id,
                        field: "client_id",
                    })?,
                }
            }
            req::REQ_IDS => {
                pb::IdsRequest::decode(payload).map_err(bad)?;
                Request::Ids
            }
            req::REQ_CURRENT_TIME => Request::CurrentTime,
            req::REQ_CURRENT_TIME_IN_MILLIS => Request::CurrentTimeInMillis,
            req::REQ_MANAGED_ACCTS => Request::ManagedAccounts,
            other => Request::Unsupported { id: other },
        })
    }
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
