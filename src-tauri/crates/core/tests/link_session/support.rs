//! What the session tests stand on: a small keeper with a few commands and an event stream the test drives,
//! serving on a fresh private dir, the real client, and a client written by hand to send what the real one
//! never would.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gateway_core::local_link::{
    BUILD, ConnectionId, Connections, Hello, LinkClient, LinkEvent, LinkHandler, LinkServer, Role,
};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{Notify, Semaphore, broadcast, mpsc};
use tokio::task::JoinHandle;

/// A bound on every wait here, so a broken link fails the test instead of hanging it.
pub const BOUND: Duration = Duration::from_secs(10);

/// The keeper of these tests: a few commands and an event stream the test drives.
pub struct Keeper {
    pub events: broadcast::Sender<LinkEvent>,
    /// "wait" takes one permit; the test adds them.
    pub gate: Semaphore,
    /// "hang" says it has started.
    pub hanging: Notify,
    pub opened: Mutex<Vec<(ConnectionId, Role, String)>>,
    pub closed: Mutex<Vec<ConnectionId>>,
}

impl Keeper {
    pub fn new(capacity: usize) -> Arc<Keeper> {
        Arc::new(Keeper {
            events: broadcast::channel(capacity).0,
            gate: Semaphore::new(0),
            hanging: Notify::new(),
            opened: Mutex::new(Vec::new()),
            closed: Mutex::new(Vec::new()),
        })
    }

    pub fn emit(&self, name: &str, payload: Value) {
        // No receiver yet is fine: the event is for whoever listens.
        let _ = self.events.send(LinkEvent::new(name, payload));
    }

    pub fn was_closed(&self, conn: ConnectionId) -> bool {
        self.closed.lock().expect("lock").contains(&conn)
    }
}

impl LinkHandler for Keeper {
    type Event = LinkEvent;

    async fn call(&self, conn: ConnectionId, name: String, args: Value) -> Result<Value, Value> {
        match name.as_str() {
            "echo" => Ok(args),
            "whoami" => Ok(json!(conn.0)),
            "wait" => match self.gate.acquire().await {
                Ok(permit) => {
                    permit.forget();
                    Ok(json!("waited"))
                }
                Err(_) => Err(json!("gate closed")),
            },
            "hang" => {
                self.hanging.notify_one();
                std::future::pending().await
            }
            "big" => {
                let n = args.as_u64().unwrap_or(0) as usize;
                Ok(json!("x".repeat(n)))
            }
            other => Err(json!({ "code": "unknown_command", "message": format!("no {other}") })),
        }
    }

    fn events(&self) -> broadcast::Receiver<LinkEvent> {
        self.events.subscribe()
    }

    fn opened(&self, conn: ConnectionId, hello: &Hello) {
        self.opened
            .lock()
            .expect("lock")
            .push((conn, hello.role, hello.build.clone()));
    }

    fn closed(&self, conn: ConnectionId) {
        self.closed.lock().expect("lock").push(conn);
    }
}

/// A keeper serving on a fresh private dir.
pub struct Serving {
    pub _dir: tempfile::TempDir,
    pub path: PathBuf,
    pub connections: Connections,
    pub task: JoinHandle<()>,
}

impl Drop for Serving {
    /// Stops serving (and every session with it) when the test ends, passed or not.
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn serve(keeper: &Arc<Keeper>) -> Serving {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = LinkServer::bind(&dir.path().join("gateway-doctor")).expect("bind");
    let path = server.path().to_path_buf();
    let connections = server.connections();
    let task = tokio::spawn(server.serve_sessions(keeper.clone(), None));
    Serving {
        _dir: dir,
        path,
        connections,
        task,
    }
}

/// The usual keeper (a queue of 16 events per session), serving.
pub fn start() -> (Arc<Keeper>, Serving) {
    let keeper = Keeper::new(16);
    let serving = serve(&keeper);
    (keeper, serving)
}

pub fn hello(role: Role) -> Hello {
    Hello {
        role,
        build: "test-build".into(),
    }
}

pub async fn window(path: &Path) -> (LinkClient, mpsc::Receiver<LinkEvent>) {
    LinkClient::connect(path, hello(Role::Window))
        .await
        .expect("a window session")
}

pub async fn next_event(events: &mut mpsc::Receiver<LinkEvent>) -> Option<LinkEvent> {
    tokio::time::timeout(BOUND, events.recv())
        .await
        .expect("an event or the end within the bound")
}

/// The next line as JSON; None at the end of the stream.
pub async fn next_line(reader: &mut BufReader<OwnedReadHalf>) -> Option<Value> {
    let mut line = String::new();
    let n = tokio::time::timeout(BOUND, reader.read_line(&mut line))
        .await
        .expect("a line within the bound")
        .expect("read");
    (n > 0).then(|| serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}")))
}

/// Sends `line` first on a new connection: the error it gets back, and the connection.
pub async fn first_line_error(path: &Path, line: &str) -> (String, Raw) {
    let mut raw = Raw::open(path).await;
    raw.send(line).await;
    let answer = raw.line().await;
    let error = answer["error"].as_str().unwrap_or_default().to_string();
    (error, raw)
}

/// The session still answers: `value` comes back from "echo".
pub async fn assert_echoes(client: &LinkClient, value: Value, why: &str) {
    let answer = client.call("echo", value.clone(), BOUND).await;
    assert!(
        matches!(&answer, Ok(Ok(v)) if *v == value),
        "{why}: {answer:?}"
    );
}

/// A client written by hand, to send what the real client never would.
pub struct Raw {
    pub reader: BufReader<OwnedReadHalf>,
    pub write: OwnedWriteHalf,
}

impl Raw {
    pub async fn open(path: &Path) -> Raw {
        let (read, write) = UnixStream::connect(path)
            .await
            .expect("connect")
            .into_split();
        Raw {
            reader: BufReader::new(read),
            write,
        }
    }

    /// Opens a session: hello sent, welcome checked.
    pub async fn session(path: &Path, role: &str) -> Raw {
        let mut raw = Raw::open(path).await;
        raw.send(&format!(
            r#"{{"v":2,"hello":{{"role":"{role}","build":"raw"}}}}"#
        ))
        .await;
        let welcome = raw.line().await;
        assert_eq!(welcome["v"], 2, "{welcome}");
        assert_eq!(welcome["welcome"]["build"], BUILD, "{welcome}");
        assert_eq!(welcome["welcome"]["pid"], std::process::id(), "{welcome}");
        raw
    }

    pub async fn send(&mut self, line: &str) {
        self.write
            .write_all(format!("{line}\n").as_bytes())
            .await
            .expect("send");
    }

    pub async fn next(&mut self) -> Option<Value> {
        next_line(&mut self.reader).await
    }

    pub async fn line(&mut self) -> Value {
        self.next().await.expect("a line, not the end")
    }
}
