//! One session (link version 2) after its hello: a reader that starts each call on its own task, and a
//! writer that alone owns the socket's write side and sends replies, this session's own events and the
//! handler's stream. Nothing here waits on another session: a session that stops reading only fills its
//! own queues (the stream's excess is dropped and counted, then reported as `link://lagged`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{Semaphore, broadcast, mpsc};

use super::handler::{ConnectionId, Connections, LinkHandler, StreamEvent};
use super::lines::{LineError, read_line, write_line};
use super::wire::{
    ClientLine, Hello, LinkEvent, Role, Welcome, WelcomeLine, encode, error_line, event_line,
    lagged, reply_line,
};
use super::{BUILD, LinkError, MAX_CLIENT_LINE_BYTES, SESSION_VERSION};

/// Calls of one session running at once; past this the session's next line waits.
const CALLS_IN_FLIGHT: usize = 64;
/// Lines (replies, errors) waiting for the writer.
const OUT_QUEUE: usize = 64;
/// How long the writer may take to send what is queued once the client has stopped sending.
const FLUSH_BOUND: Duration = Duration::from_secs(5);

/// What the reader and the calls hand the writer.
enum Out {
    Line(String),
    /// The client asked for the event stream.
    Subscribe,
    /// Write what came before, then end.
    Close,
}

/// Runs a session to its end: welcome, then calls and events until the client closes.
pub(super) async fn run<H: LinkHandler>(
    mut reader: BufReader<OwnedReadHalf>,
    mut write: OwnedWriteHalf,
    hello: Hello,
    handler: Arc<H>,
    connections: Connections,
) -> Result<(), LinkError> {
    // Subscribed before the welcome: nothing sent after the window's first call is missed.
    let events = (hello.role == Role::Window).then(|| handler.events());
    let welcome = Welcome {
        build: BUILD.into(),
        pid: std::process::id(),
    };
    let line = encode(&WelcomeLine {
        v: SESSION_VERSION,
        welcome: &welcome,
    });
    write_line(&mut write, &line, "write the welcome").await?;
    let (conn, own, missed) = connections.add(hello.role);
    handler.opened(conn, &hello);
    // Said on every way out, the server stopping this task included.
    let _closing = Closing {
        conn,
        handler: handler.clone(),
        connections,
    };
    let (out, queued) = mpsc::channel(OUT_QUEUE);
    // Reader and writer run in this one task, so ending the task (the server stopping) ends both and
    // closes the socket.
    let mut writer = std::pin::pin!(write_loop(
        write,
        queued,
        own,
        missed,
        events,
        handler.clone()
    ));
    tokio::select! {
        // The writer ends first only when the client cannot be written to: nothing left to answer.
        () = &mut writer => {}
        () = read_loop(&mut reader, &out, &handler, conn) => {
            // Send what is queued (an error line above all), but not for ever to a client that stalls.
            let _ = tokio::time::timeout(FLUSH_BOUND, async {
                tokio::join!(out.send(Out::Close), &mut writer)
            })
            .await;
        }
    }
    Ok(())
}

/// Forgets a session and tells the handler, when the session's task ends however it ends.
struct Closing<H: LinkHandler> {
    conn: ConnectionId,
    handler: Arc<H>,
    connections: Connections,
}

impl<H: LinkHandler> Drop for Closing<H> {
    fn drop(&mut self) {
        self.connections.remove(self.conn);
        self.handler.closed(self.conn);
    }
}

async fn read_loop<H: LinkHandler>(
    reader: &mut BufReader<OwnedReadHalf>,
    out: &mpsc::Sender<Out>,
    handler: &Arc<H>,
    conn: ConnectionId,
) {
    let calls = Arc::new(Semaphore::new(CALLS_IN_FLIGHT));
    loop {
        let line = match read_line(reader, MAX_CLIENT_LINE_BYTES).await {
            Ok(Some(line)) => line,
            Ok(None) => return,
            Err(LineError::TooLong) => {
                let why = format!(
                    "a line is longer than the limit of {MAX_CLIENT_LINE_BYTES} bytes (1 MiB); \
                     the session is closed"
                );
                tracing::warn!("local link: {conn}: {why}");
                let _ = out.send(Out::Line(error_line(None, &why))).await;
                return;
            }
            Err(LineError::Io(e)) => {
                tracing::warn!("local link: {conn}: cannot read: {e}");
                return;
            }
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match ClientLine::parse(&line) {
            Ok(ClientLine::Call { id, name, args }) => {
                // The semaphore is never closed; were it, the session ends rather than runs unbounded.
                let Ok(permit) = calls.clone().acquire_owned().await else {
                    return;
                };
                let (handler, out) = (handler.clone(), out.clone());
                tokio::spawn(async move {
                    let result = handler.call(conn, name, args).await;
                    // The client may be gone by now; the call still ran to its end.
                    let _ = out.send(Out::Line(reply_line(id, result))).await;
                    drop(permit);
                });
            }
            Ok(ClientLine::Subscribe) => {
                if out.send(Out::Subscribe).await.is_err() {
                    return;
                }
            }
            Err(fault) => {
                if out
                    .send(Out::Line(error_line(fault.id, &fault.why)))
                    .await
                    .is_err()
                {
                    return;
                }
            }
        }
    }
}

async fn write_loop<H: LinkHandler>(
    mut write: OwnedWriteHalf,
    mut queued: mpsc::Receiver<Out>,
    mut own: mpsc::Receiver<LinkEvent>,
    missed: Arc<AtomicU64>,
    mut events: Option<broadcast::Receiver<H::Event>>,
    handler: Arc<H>,
) {
    loop {
        let dropped = missed.swap(0, Ordering::Relaxed);
        let line = if dropped > 0 {
            encode(&lagged(dropped))
        } else {
            tokio::select! {
                biased;
                next = queued.recv() => match next {
                    Some(Out::Line(line)) => line,
                    Some(Out::Subscribe) => {
                        events.get_or_insert_with(|| handler.events());
                        continue;
                    }
                    Some(Out::Close) | None => return,
                },
                Some(event) = own.recv() => encode(&event),
                next = next_event(&mut events) => match next {
                    Ok(event) => event_line(event.name(), event.payload()),
                    Err(broadcast::error::RecvError::Lagged(n)) => encode(&lagged(n)),
                    Err(broadcast::error::RecvError::Closed) => {
                        // The keeper's stream ended (it is quitting): no more events, calls go on.
                        events = None;
                        continue;
                    }
                },
            }
        };
        if write.write_all(line.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// The stream's next event; never ready for a session that has none.
async fn next_event<E: StreamEvent>(
    events: &mut Option<broadcast::Receiver<E>>,
) -> Result<E, broadcast::error::RecvError> {
    match events {
        Some(events) => events.recv().await,
        None => std::future::pending().await,
    }
}
