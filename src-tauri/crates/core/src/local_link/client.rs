//! The window's side of a session (link version 2): one connection to the keeper, calls answered by id in
//! any order, and the keeper's events on a channel. When the keeper goes away every waiting call fails
//! with [`LinkError::Closed`] and the event channel ends.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::lines::{LineError, read_line, write_line};
use super::private::{check_peer, check_private_dir, check_socket_file, own_uid};
use super::wire::{Hello, HelloLine, LinkEvent, ServerLine, Welcome, encode};
use super::{LinkError, MAX_CLIENT_LINE_BYTES, MAX_SERVER_LINE_BYTES, SESSION_VERSION};

/// How long the keeper may take to welcome us.
const WELCOME_BOUND: Duration = Duration::from_secs(5);
/// Events read but not yet taken by the window; past this the client stops reading and the keeper's
/// side drops and counts (`link://lagged`).
const EVENT_QUEUE: usize = 1024;

/// What a call comes back with: the command's `Ok`/`Err` JSON, or why the link gave no answer.
pub type CallAnswer = Result<Result<Value, Value>, LinkError>;

/// Calls sent and not answered yet; `None` once the link is closed.
type Waiting = Arc<Mutex<Option<HashMap<u64, oneshot::Sender<CallAnswer>>>>>;

/// A session with the keeper. Dropping it closes the connection.
#[derive(Debug)]
pub struct LinkClient {
    write: tokio::sync::Mutex<OwnedWriteHalf>,
    waiting: Waiting,
    last_id: AtomicU64,
    welcome: Welcome,
    reader: JoinHandle<()>,
}

impl LinkClient {
    /// Opens a session on the socket at `path` (its directory and the socket must be this user's and
    /// private, the keeper must run as this user) and waits for the welcome.
    pub async fn connect(
        path: &Path,
        hello: Hello,
    ) -> Result<(LinkClient, mpsc::Receiver<LinkEvent>), LinkError> {
        let dir = path.parent().unwrap_or(Path::new("."));
        check_private_dir(dir)?;
        check_socket_file(path)?;
        let stream = UnixStream::connect(path)
            .await
            .map_err(|source| LinkError::Io {
                about: "reach the Gateway Doctor keeper",
                source,
            })?;
        check_peer(stream.peer_cred().ok().map(|c| c.uid()), own_uid())?;
        let (read, mut write) = stream.into_split();
        let hello = encode(&HelloLine {
            v: SESSION_VERSION,
            hello,
        });
        write_line(&mut write, &hello, "say hello to the keeper").await?;
        let mut reader = BufReader::new(read);
        let welcome = tokio::time::timeout(WELCOME_BOUND, read_welcome(&mut reader))
            .await
            .map_err(|_| LinkError::Timeout(WELCOME_BOUND.as_secs()))??;
        let waiting: Waiting = Arc::new(Mutex::new(Some(HashMap::new())));
        let (events, received) = mpsc::channel(EVENT_QUEUE);
        let reader = tokio::spawn(read_loop(reader, waiting.clone(), events));
        let client = LinkClient {
            write: tokio::sync::Mutex::new(write),
            waiting,
            last_id: AtomicU64::new(0),
            welcome,
            reader,
        };
        Ok((client, received))
    }

    /// What the keeper said when the session opened (its build and process).
    pub fn welcome(&self) -> &Welcome {
        &self.welcome
    }

    /// Calls `name` with `args` and waits at most `timeout` for the answer.
    pub async fn call(&self, name: &str, args: Value, timeout: Duration) -> CallAnswer {
        let id = self.last_id.fetch_add(1, Ordering::Relaxed) + 1;
        let line = encode(&serde_json::json!({ "id": id, "call": name, "args": args }));
        if line.len() > MAX_CLIENT_LINE_BYTES {
            return Err(LinkError::TooLong {
                what: "the call",
                limit: MAX_CLIENT_LINE_BYTES,
            });
        }
        let (answer, answered) = oneshot::channel();
        match lock(&self.waiting).as_mut() {
            Some(waiting) => waiting.insert(id, answer),
            None => return Err(LinkError::Closed),
        };
        let asked = async {
            let sent = self.write.lock().await.write_all(line.as_bytes()).await;
            if let Err(source) = sent {
                return Err(match source.kind() {
                    std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset => {
                        LinkError::Closed
                    }
                    _ => LinkError::Io {
                        about: "send the call",
                        source,
                    },
                });
            }
            // The sender is dropped unanswered only when the link closed.
            answered.await.unwrap_or(Err(LinkError::Closed))
        };
        let answer = tokio::time::timeout(timeout, asked).await;
        // Not answered (timed out, or the send failed): stop waiting for it.
        if !matches!(answer, Ok(Ok(_)))
            && let Some(waiting) = lock(&self.waiting).as_mut()
        {
            waiting.remove(&id);
        }
        answer.unwrap_or(Err(LinkError::Timeout(timeout.as_secs())))
    }
}

impl Drop for LinkClient {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn read_welcome(reader: &mut BufReader<OwnedReadHalf>) -> Result<Welcome, LinkError> {
    let line = match read_line(reader, MAX_SERVER_LINE_BYTES).await {
        Ok(Some(line)) => line,
        Ok(None) => return Err(LinkError::Closed),
        Err(LineError::TooLong) => {
            return Err(LinkError::TooLong {
                what: "the keeper's welcome",
                limit: MAX_SERVER_LINE_BYTES,
            });
        }
        Err(LineError::Io(source)) => {
            return Err(LinkError::Io {
                about: "read the keeper's welcome",
                source,
            });
        }
    };
    let mut value: Value =
        serde_json::from_slice(&line).map_err(|e| LinkError::BadReply(e.to_string()))?;
    if let Some(welcome) = value.get_mut("welcome").map(Value::take) {
        return serde_json::from_value(welcome).map_err(|e| LinkError::BadReply(e.to_string()));
    }
    match value.get("error").and_then(Value::as_str) {
        Some(why) => Err(LinkError::Refused(why.to_string())),
        None => Err(LinkError::BadReply(format!("no welcome in {value}"))),
    }
}

async fn read_loop(
    mut reader: BufReader<OwnedReadHalf>,
    waiting: Waiting,
    events: mpsc::Sender<LinkEvent>,
) {
    let answer = |id: u64, result: CallAnswer| {
        // A call that timed out is no longer waiting: its late answer is dropped.
        if let Some(call) = lock(&waiting).as_mut().and_then(|w| w.remove(&id)) {
            let _ = call.send(result);
        }
    };
    loop {
        let line = match read_line(&mut reader, MAX_SERVER_LINE_BYTES).await {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(LineError::TooLong) => {
                tracing::warn!(
                    "local link: a line from the keeper is longer than {MAX_SERVER_LINE_BYTES} bytes; \
                     the session is closed"
                );
                break;
            }
            Err(LineError::Io(e)) => {
                tracing::warn!("local link: cannot read from the keeper: {e}");
                break;
            }
        };
        match ServerLine::parse(&line) {
            Ok(ServerLine::Reply { id, result }) => answer(id, Ok(result)),
            Ok(ServerLine::Event(event)) => {
                // The window may have stopped listening; calls still get their answers.
                let _ = events.send(event).await;
            }
            Ok(ServerLine::Error { id: Some(id), why }) => answer(id, Err(LinkError::Refused(why))),
            Ok(ServerLine::Error { id: None, why }) => {
                tracing::warn!("local link: the keeper says: {why}");
            }
            Err(why) => tracing::warn!("local link: {why}"),
        }
    }
    // Every waiting call learns the link is gone (its sender is dropped); the event channel ends with
    // this task.
    lock(&waiting).take();
}
