//! One client connection, from the `API\0` hello to the close, as a Gateway serves it.
//!
//! The fault in force is read at each step, so a fault set at run time applies to the next thing every
//! session does. While the API layer is muted (silent, or RED) a session keeps reading and answers nothing.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::broadcast::error::RecvError;

use crate::fault::{Fault, OLD_VERSION};
use crate::frame::{FrameDecoder, length_prefixed};
use crate::state::{Broadcast, Shared, unix_ms};
use crate::wire::{Dialect, Outgoing, Request, VersionRange, handshake_reply};

/// Bytes the `garbage` fault answers with: a length prefix no TWS frame can have, then noise.
pub const GARBAGE: &[u8] = b"\xff\xff\xff\xffTHIS IS NOT THE TWS API\r\n\x00\x01\x02";

/// How long the Gateway waits for a client to finish after it closed its own side.
const LINGER: Duration = Duration::from_secs(2);

/// Farm notices a healthy Gateway sends right after START_API.
const FARM_NOTICES: [(i32, &str); 3] = [
    (2104, "Market data farm connection is OK:usfarm"),
    (2106, "HMDS data farm connection is OK:ushmds"),
    (2158, "Sec-def data farm connection is OK:secdefnj"),
];

/// Why a session ended.
enum End {
    /// The client closed; the socket is handed back for hold_closed.
    ClientClosed,
    /// The Gateway closed, for the reason given.
    ServerClosed(&'static str),
}

struct Session {
    shared: Arc<Shared>,
    stream: TcpStream,
    peer: SocketAddr,
    conn_id: u64,
    decoder: FrameDecoder,
    version: i32,
    dialect: Dialect,
    api_started: Option<Instant>,
    /// When the drop_after fault ends this session (set at START_API).
    drop_at: Option<tokio::time::Instant>,
    next_order_id: i32,
}

/// Serves one accepted connection to its end.
pub(crate) async fn serve(shared: Arc<Shared>, stream: TcpStream, peer: SocketAddr) {
    let conn_id = shared.next_conn_id();
    shared.count_accepted();
    tracing::info!(conn_id, %peer, fault = %shared.fault(), "accepted connection");
    let mut session = Session {
        shared: shared.clone(),
        stream,
        peer,
        conn_id,
        decoder: FrameDecoder::new(),
        version: 0,
        dialect: Dialect::Text,
        api_started: None,
        drop_at: None,
        next_order_id: 1,
    };
    let end = match session.run().await {
        Ok(end) => end,
        // A client that closes with unread data in its buffer resets the connection: still the client's close.
        Err(err)
            if matches!(
                err.kind(),
                ErrorKind::ConnectionReset | ErrorKind::BrokenPipe
            ) =>
        {
            tracing::info!(conn_id, %peer, "client reset the connection");
            End::ClientClosed
        }
        Err(err) => {
            tracing::info!(conn_id, %peer, "connection failed: {err}");
            End::ServerClosed("i/o error")
        }
    };
    match end {
        End::ClientClosed => {
            let api_age = session.api_started.map(|t| t.elapsed());
            tracing::info!(conn_id, %peer, ?api_age, "client closed the connection");
            shared.client_closed(conn_id, api_age, session.stream);
        }
        End::ServerClosed(why) => {
            tracing::info!(conn_id, %peer, "gateway closed the connection: {why}");
            shared.server_closed(conn_id);
        }
    }
}

impl Session {
    async fn run(&mut self) -> std::io::Result<End> {
        let mut events = self.shared.subscribe();
        let Some(hello) = self.read_frame().await? else {
            return Ok(End::ClientClosed);
        };
        if self.shared.muted() {
            tracing::warn!(
                conn_id = self.conn_id,
                "API layer is muted: the hello gets no answer"
            );
            return self.ignore_until_closed(&mut events).await;
        }
        let fault = self.shared.fault();
        if fault == Fault::Garbage {
            tracing::warn!(
                conn_id = self.conn_id,
                "garbage fault: answering the hello with noise"
            );
            self.stream.write_all(GARBAGE).await?;
            return self.ignore_until_closed(&mut events).await;
        }
        let Some(offer) = VersionRange::parse(&hello) else {
            tracing::warn!(conn_id = self.conn_id, hello = %String::from_utf8_lossy(&hello), "hello is not a version offer");
            return self.close_gracefully("hello is not a version offer").await;
        };
        let own_max = if fault == Fault::OldVersion {
            OLD_VERSION
        } else {
            self.shared.config.max_version
        };
        // Like TWS: answer the lower maximum and let the client decide whether it can live with it.
        self.version = offer.max.min(own_max);
        let Some(dialect) = Dialect::for_version(self.version) else {
            tracing::warn!(
                conn_id = self.conn_id,
                version = self.version,
                "versions 201..212 are refused"
            );
            return self
                .close_gracefully("version in the refused range 201..212")
                .await;
        };
        self.dialect = dialect;
        if let Fault::SlowHandshake(delay) = fault {
            tracing::info!(
                conn_id = self.conn_id,
                ?delay,
                "slow_handshake: delaying the version reply"
            );
            tokio::time::sleep(delay).await;
        }
        let reply = handshake_reply(self.version, &connection_time());
        self.stream.write_all(&length_prefixed(&reply)).await?;
        self.shared.count_handshake();
        tracing::info!(
            conn_id = self.conn_id,
            version = self.version,
            ?dialect,
            "handshake answered"
        );
        if self.shared.fault() == Fault::CloseAfterHandshake {
            return self.close_gracefully("close_after_handshake fault").await;
        }
        loop {
            let drop_at = self.drop_at;
            tokio::select! {
                _ = tokio::time::sleep_until(drop_at.unwrap_or_else(tokio::time::Instant::now)), if drop_at.is_some() => {
                    tracing::warn!(conn_id = self.conn_id, "drop_after: the Gateway drops the session");
                    return Ok(End::ServerClosed("drop_after fault"));
                }
                frame = self.read_frame() => {
                    let Some(frame) = frame? else { return Ok(End::ClientClosed) };
                    if let Some(end) = self.handle(&frame).await? {
                        return Ok(end);
                    }
                }
                event = events.recv() => match event {
                    Ok(Broadcast::DropAll) => return Ok(End::ServerClosed("drop_all")),
                    Ok(Broadcast::DropPeer(peer)) if peer == self.peer.to_string() => {
                        return Ok(End::ServerClosed("drop_peer"));
                    }
                    Ok(Broadcast::DropPeer(_)) => {}
                    Ok(Broadcast::Notice { code, message }) => {
                        if self.api_started.is_some() && !self.shared.muted() {
                            self.send(Outgoing::Error { id: -1, code, message, time_ms: unix_ms() }).await?;
                        }
                    }
                    Err(RecvError::Lagged(_)) | Err(RecvError::Closed) => {}
                },
            }
        }
    }

    /// Acts on one request frame; `Some(end)` closes the connection.
    async fn handle(&mut self, frame: &[u8]) -> std::io::Result<Option<End>> {
        let request = match Request::decode(frame, self.dialect) {
            Ok(request) => request,
            Err(err) => {
                tracing::warn!(conn_id = self.conn_id, "ignoring malformed request: {err}");
                return Ok(None);
            }
        };
        let is_heartbeat = matches!(request, Request::CurrentTime | Request::CurrentTimeInMillis);
        if is_heartbeat {
            self.shared.count_heartbeat();
        }
        if self.shared.muted() {
            tracing::debug!(conn_id = self.conn_id, ?request, "muted: no answer");
            return Ok(None);
        }
        if let Request::StartApi { client_id } = request {
            return self.start_api(client_id).await;
        }
        if self.api_started.is_none() {
            tracing::warn!(
                conn_id = self.conn_id,
                ?request,
                "request before START_API: ignored"
            );
            return Ok(None);
        }
        if is_heartbeat && self.shared.fault() == Fault::IgnoreHeartbeat {
            tracing::info!(
                conn_id = self.conn_id,
                "ignore_heartbeat: no answer to reqCurrentTime"
            );
            return Ok(None);
        }
        let accounts = self.shared.config.accounts.clone();
        let first_account = accounts.split(',').next().unwrap_or_default().to_string();
        let replies = match request {
            Request::CurrentTime => vec![Outgoing::CurrentTime(unix_ms() / 1000)],
            Request::CurrentTimeInMillis => vec![Outgoing::CurrentTimeInMillis(unix_ms())],
            Request::ManagedAccounts => vec![Outgoing::ManagedAccounts(accounts)],
            Request::Ids => vec![Outgoing::NextValidId(self.next_order_id)],
            Request::Positions => vec![Outgoing::PositionEnd],
            Request::AccountUpdates {
                subscribe: true,
                account,
            } => {
                let account = if account.is_empty() {
                    first_account
                } else {
                    account
                };
                vec![
                    Outgoing::AccountUpdateTime(account_time()),
                    Outgoing::AccountDownloadEnd(account),
                ]
            }
            Request::AccountUpdatesMulti { req_id } => {
                vec![Outgoing::AccountUpdateMultiEnd(req_id)]
            }
            Request::Executions { req_id } => vec![Outgoing::ExecDetailsEnd(req_id)],
            Request::OpenOrders => vec![Outgoing::OpenOrderEnd],
            Request::CompletedOrders => vec![Outgoing::CompletedOrdersEnd],
            Request::Unsupported { id } => {
                tracing::info!(conn_id = self.conn_id, id, "unsupported request: ignored");
                vec![]
            }
            Request::AccountUpdates { .. } | Request::AutoOpenOrders | Request::StartApi { .. } => {
                vec![]
            }
        };
        self.send_all(replies).await?;
        Ok(None)
    }

    async fn start_api(&mut self, client_id: i32) -> std::io::Result<Option<End>> {
        if self.api_started.is_some() {
            tracing::warn!(conn_id = self.conn_id, "second START_API ignored");
            return Ok(None);
        }
        if self
            .shared
            .start_api(self.conn_id, client_id, self.peer)
            .is_err()
        {
            tracing::warn!(
                conn_id = self.conn_id,
                client_id,
                "client id in use: error 326, then close"
            );
            self.send(Outgoing::Error {
                id: -1,
                code: 326,
                message: "Unable to connect as the client id is already in use. Retry with a unique client id."
                    .into(),
                time_ms: unix_ms(),
            })
            .await?;
            return self
                .close_gracefully("client id in use (326)")
                .await
                .map(Some);
        }
        self.api_started = Some(Instant::now());
        if let Fault::DropAfter(after) = self.shared.fault() {
            self.drop_at = Some(tokio::time::Instant::now() + after);
        }
        tracing::info!(conn_id = self.conn_id, client_id, "API session started");
        let mut replies = vec![Outgoing::ManagedAccounts(
            self.shared.config.accounts.clone(),
        )];
        if self.shared.fault() == Fault::NoNextValidId {
            tracing::warn!(
                conn_id = self.conn_id,
                "no_next_valid_id: nextValidId withheld"
            );
        } else {
            replies.push(Outgoing::NextValidId(self.next_order_id));
        }
        replies.extend(FARM_NOTICES.iter().map(|(code, message)| Outgoing::Error {
            id: -1,
            code: *code,
            message: (*message).into(),
            time_ms: unix_ms(),
        }));
        self.send_all(replies).await?;
        Ok(None)
    }

    async fn send(&mut self, message: Outgoing) -> std::io::Result<()> {
        self.send_all(vec![message]).await
    }

    /// Writes the messages in one go, as a Gateway answering one request does (one write, not one per frame).
    async fn send_all(&mut self, messages: Vec<Outgoing>) -> std::io::Result<()> {
        let mut bytes = Vec::new();
        for message in messages {
            match message.encode(self.dialect, self.version) {
                Some(body) => bytes.extend(length_prefixed(&body)),
                None => tracing::info!(
                    conn_id = self.conn_id,
                    ?message,
                    "no form in this dialect: not sent"
                ),
            }
        }
        if bytes.is_empty() {
            Ok(())
        } else {
            self.stream.write_all(&bytes).await
        }
    }

    /// The next complete frame, or `None` when the client closed. Cancel-safe: bytes are only ever read
    /// into the decoder's buffer.
    async fn read_frame(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(frame) = self
                .decoder
                .next_frame()
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?
            {
                return Ok(Some(frame));
            }
            if self.stream.read_buf(self.decoder.buffer()).await? == 0 {
                return Ok(None);
            }
        }
    }

    /// Reads and discards until the client closes or the Gateway drops everyone: a dead API layer.
    async fn ignore_until_closed(
        &mut self,
        events: &mut tokio::sync::broadcast::Receiver<Broadcast>,
    ) -> std::io::Result<End> {
        let mut sink = [0u8; 4096];
        loop {
            tokio::select! {
                n = self.stream.read(&mut sink) => if n? == 0 { return Ok(End::ClientClosed) },
                event = events.recv() => match event {
                    Ok(Broadcast::DropAll) | Err(RecvError::Closed) => return Ok(End::ServerClosed("drop_all")),
                    Ok(Broadcast::DropPeer(peer)) if peer == self.peer.to_string() => {
                        return Ok(End::ServerClosed("drop_peer"));
                    }
                    _ => {}
                },
            }
        }
    }

    /// Closes our side and reads what the client still sends (closing with unread data would send RST and
    /// could destroy the last message before the client reads it).
    async fn close_gracefully(&mut self, why: &'static str) -> std::io::Result<End> {
        self.stream.shutdown().await?;
        let mut sink = [0u8; 4096];
        let drain = async { while self.stream.read(&mut sink).await.is_ok_and(|n| n > 0) {} };
        let _ = tokio::time::timeout(LINGER, drain).await;
        Ok(End::ServerClosed(why))
    }
}

/// The connection time in the handshake reply, as TWS writes it: `yyyymmdd hh:mm:ss US/Eastern`.
fn connection_time() -> String {
    let now = jiff::Timestamp::now();
    match jiff::tz::db().get("America/New_York") {
        Ok(tz) => format!(
            "{} US/Eastern",
            now.to_zoned(tz).strftime("%Y%m%d %H:%M:%S")
        ),
        Err(_) => format!("{} UTC", now.strftime("%Y%m%d %H:%M:%S")),
    }
}

/// `HH:MM` for the account-update-time message.
fn account_time() -> String {
    jiff::Zoned::now().strftime("%H:%M").to_string()
}
