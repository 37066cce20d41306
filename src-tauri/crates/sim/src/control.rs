//! The control port: JSON lines over loopback TCP that change the simulator's behaviour at run time and
//! report what it saw, plus [`ControlClient`], the blocking client tests and the app use.
//!
//! Requests: `{"command":"set_fault","fault":"silent"}`, `{"command":"restart","down_ms":500}` (optional
//! `"fault"` to come back with; by default the start-up fault; it also starts a Gateway IBC's STOP stopped), `{"command":"drop_all"}`,
//! `{"command":"notice","code":1100}` (optional `"message"`), `{"command":"stats"}`,
//! `{"command":"drop_peer","peer":"127.0.0.1:50123"}` (the Gateway closes the connections from that client
//! address, as `stats` shows peers), `{"command":"hold_client_id","client_id":1}` (a phantom live session
//! holds the id, so the next START_API with it gets 326, until `release_client_ids` or a restart),
//! `{"command":"release_client_ids"}`.
//! Replies: `{"ok":true,"data":...}` or `{"ok":false,"error":"..."}`, one line each.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream as StdTcpStream};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};

use crate::fault::Fault;
use crate::server::{PortCommand, Restart};
use crate::state::{Broadcast, Shared, Stats};

/// Longest control line accepted.
const MAX_LINE: u64 = 64 * 1024;

#[derive(Debug, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
enum Command {
    SetFault {
        fault: String,
    },
    Restart {
        #[serde(default)]
        down_ms: u64,
        #[serde(default)]
        fault: Option<String>,
    },
    DropAll {},
    Notice {
        code: i32,
        #[serde(default)]
        message: Option<String>,
    },
    Stats {},
    DropPeer {
        peer: String,
    },
    HoldClientId {
        client_id: i32,
    },
    ReleaseClientIds {},
}

pub(crate) async fn serve(
    shared: Arc<Shared>,
    listener: TcpListener,
    restarts: mpsc::Sender<PortCommand>,
) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(serve_connection(shared.clone(), stream, restarts.clone()));
            }
            Err(err) => {
                tracing::error!("control accept failed: {err}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

async fn serve_connection(
    shared: Arc<Shared>,
    stream: TcpStream,
    restarts: mpsc::Sender<PortCommand>,
) {
    let (read, mut write) = stream.into_split();
    let mut reader = tokio::io::BufReader::new(read);
    loop {
        let mut line = Vec::new();
        let n = match (&mut reader)
            .take(MAX_LINE + 1)
            .read_until(b'\n', &mut line)
            .await
        {
            Ok(n) => n,
            Err(_) => return,
        };
        if n == 0 {
            return;
        }
        let reply = if line.len() as u64 > MAX_LINE {
            Err(format!("control line longer than {MAX_LINE} bytes"))
        } else if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        } else {
            execute(&shared, &line, &restarts).await
        };
        let reply = match reply {
            Ok(data) => json!({"ok": true, "data": data}),
            Err(error) => json!({"ok": false, "error": error}),
        };
        let mut text = reply.to_string();
        text.push('\n');
        if write.write_all(text.as_bytes()).await.is_err() || line.len() as u64 > MAX_LINE {
            return;
        }
    }
}

async fn execute(
    shared: &Shared,
    line: &[u8],
    restarts: &mpsc::Sender<PortCommand>,
) -> Result<Value, String> {
    let command: Command =
        serde_json::from_slice(line).map_err(|e| format!("bad control request: {e}"))?;
    tracing::info!(?command, "control");
    match command {
        Command::SetFault { fault } => {
            let fault: Fault = fault.parse().map_err(|e| format!("{e}"))?;
            shared.set_fault(fault);
            tracing::warn!(%fault, "fault set");
            Ok(json!({"fault": fault.to_string()}))
        }
        Command::Restart { down_ms, fault } => {
            let fault = fault
                .map(|f| f.parse::<Fault>())
                .transpose()
                .map_err(|e| format!("{e}"))?;
            let (done, finished) = oneshot::channel();
            let restart = Restart {
                down: Duration::from_millis(down_ms),
                fault,
                done,
            };
            restarts
                .send(PortCommand::Restart(restart))
                .await
                .map_err(|_| "the API port is gone".to_string())?;
            match finished.await {
                Ok(Ok(())) => Ok(json!({"down_ms": down_ms, "fault": shared.fault().to_string()})),
                Ok(Err(err)) => Err(format!("restart failed: {err}")),
                Err(_) => Err("restart was abandoned".into()),
            }
        }
        Command::DropAll {} => {
            let dropped = shared.stats().live_clients.len();
            shared.drop_all();
            Ok(json!({"dropped_live": dropped}))
        }
        Command::Notice { code, message } => {
            let message = message.unwrap_or_else(|| default_notice(code).to_string());
            let sent_to = shared.stats().live_clients.len();
            shared.broadcast(Broadcast::Notice { code, message });
            Ok(json!({"sent_to": sent_to}))
        }
        Command::Stats {} => serde_json::to_value(shared.stats()).map_err(|e| e.to_string()),
        Command::DropPeer { peer } => {
            let live = shared.stats().live_clients;
            let dropped = live.iter().filter(|c| c.peer == peer).count();
            shared.broadcast(Broadcast::DropPeer(peer));
            Ok(json!({"dropped_live": dropped}))
        }
        Command::HoldClientId { client_id } => {
            shared.hold_client_id(client_id);
            Ok(json!({"held": client_id}))
        }
        Command::ReleaseClientIds {} => Ok(json!({"released": shared.release_client_ids()})),
    }
}

/// The text TWS sends with the notices tests usually ask for.
pub fn default_notice(code: i32) -> &'static str {
    match code {
        1100 => "Connectivity between IB and Trader Workstation has been lost.",
        1101 => "Connectivity between IB and Trader Workstation has been restored - data lost.",
        1102 => {
            "Connectivity between IB and Trader Workstation has been restored - data maintained."
        }
        1300 => {
            "TWS socket port has been reset and this connection is being dropped. Please reconnect on the new port"
        }
        2103 => "Market data farm connection is broken:usfarm",
        2104 => "Market data farm connection is OK:usfarm",
        2105 => "HMDS data farm connection is broken:ushmds",
        2106 => "HMDS data farm connection is OK:ushmds",
        2110 => {
            "Connectivity between Trader Workstation and server is broken. It will be restored automatically."
        }
        2157 => "Sec-def data farm connection is broken:secdefnj",
        2158 => "Sec-def data farm connection is OK:secdefnj",
        _ => "Notice from the simulated Gateway",
    }
}

/// Why a control call failed.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("cannot reach the simulator's control port {addr}: {source}")]
    Io {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("the simulator refused the control command: {0}")]
    Refused(String),
    #[error("the simulator's control reply is not understood: {0}")]
    BadReply(String),
}

/// A blocking client for the control port. Each call uses its own short connection.
#[derive(Debug, Clone, Copy)]
pub struct ControlClient {
    addr: SocketAddr,
}

impl ControlClient {
    pub fn new(addr: SocketAddr) -> Self {
        ControlClient { addr }
    }

    /// Sends one request and returns the reply's `data`.
    pub fn call(&self, request: &Value, timeout: Duration) -> Result<Value, ControlError> {
        let io = |source| ControlError::Io {
            addr: self.addr,
            source,
        };
        let mut stream = StdTcpStream::connect_timeout(&self.addr, timeout).map_err(io)?;
        stream.set_read_timeout(Some(timeout)).map_err(io)?;
        let mut line = request.to_string();
        line.push('\n');
        stream.write_all(line.as_bytes()).map_err(io)?;
        let mut reply = String::new();
        BufReader::new(stream).read_line(&mut reply).map_err(io)?;
        let reply: Value =
            serde_json::from_str(&reply).map_err(|e| ControlError::BadReply(e.to_string()))?;
        if reply["ok"] == Value::Bool(true) {
            Ok(reply["data"].clone())
        } else {
            Err(ControlError::Refused(
                reply["error"]
                    .as_str()
                    .unwrap_or("no reason given")
                    .to_string(),
            ))
        }
    }

    pub fn stats(&self) -> Result<Stats, ControlError> {
        let data = self.call(&json!({"command": "stats"}), Duration::from_secs(5))?;
        serde_json::from_value(data).map_err(|e| ControlError::BadReply(e.to_string()))
    }

    pub fn set_fault(&self, fault: &str) -> Result<(), ControlError> {
        self.call(
            &json!({"command": "set_fault", "fault": fault}),
            Duration::from_secs(5),
        )
        .map(drop)
    }

    /// Restarts the API port; returns once it listens again.
    pub fn restart(&self, down: Duration) -> Result<(), ControlError> {
        self.restart_with(down, None)
    }

    /// [`ControlClient::restart`], back with `fault` in force (`normal`: a healthy Gateway again).
    pub fn restart_into(&self, down: Duration, fault: &str) -> Result<(), ControlError> {
        self.restart_with(down, Some(fault))
    }

    fn restart_with(&self, down: Duration, fault: Option<&str>) -> Result<(), ControlError> {
        let mut request = json!({"command": "restart", "down_ms": down.as_millis() as u64});
        if let Some(fault) = fault {
            request["fault"] = json!(fault);
        }
        self.call(&request, down + Duration::from_secs(10))
            .map(drop)
    }

    pub fn drop_all(&self) -> Result<(), ControlError> {
        self.call(&json!({"command": "drop_all"}), Duration::from_secs(5))
            .map(drop)
    }

    /// Closes the connections from `peer` (`ip:port`) from the Gateway's side.
    pub fn drop_peer(&self, peer: SocketAddr) -> Result<(), ControlError> {
        let request = json!({"command": "drop_peer", "peer": peer.to_string()});
        self.call(&request, Duration::from_secs(5)).map(drop)
    }

    /// Holds `client_id` with a phantom live session: the next connect with it gets 326.
    pub fn hold_client_id(&self, client_id: i32) -> Result<(), ControlError> {
        let request = json!({"command": "hold_client_id", "client_id": client_id});
        self.call(&request, Duration::from_secs(5)).map(drop)
    }

    /// Releases every id held by `hold_client_id`.
    pub fn release_client_ids(&self) -> Result<(), ControlError> {
        let request = json!({"command": "release_client_ids"});
        self.call(&request, Duration::from_secs(5)).map(drop)
    }

    pub fn notice(&self, code: i32, message: Option<&str>) -> Result<(), ControlError> {
        let mut request = json!({"command": "notice", "code": code});
        if let Some(message) = message {
            request["message"] = json!(message);
        }
        self.call(&request, Duration::from_secs(5)).map(drop)
    }
}
