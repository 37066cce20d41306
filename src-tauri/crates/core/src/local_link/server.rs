//! The keeper's side of the link: binds the private socket and reads each connection's first line. A
//! one-shot request (version 1) gets its one reply ([`OneShot`]); a hello (version 2) opens a session
//! ([`LinkHandler`]). Every connection's peer uid is checked first.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::io::BufReader;
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::broadcast;
use tokio::task::JoinSet;

use super::handler::{ConnectionId, Connections, LinkHandler};
use super::lines::{LineError, read_line, write_line};
use super::one_shot::{OneShot, TargetFn, reply_error};
use super::private::{check_peer, ensure_private_dir, own_uid};
use super::wire::{HelloLine, LinkEvent, encode, refusal_line};
use super::{LinkError, LinkRequest, MAX_REQUEST_BYTES, ONE_SHOT_VERSION, SESSION_VERSION};
use crate::supervisor::Supervisor;

/// How long a client may take to send its first line (the request or the hello).
const REQUEST_BOUND: Duration = Duration::from_secs(2);

/// A bound link socket; the socket file is removed when it is dropped.
#[derive(Debug)]
pub struct LinkServer {
    listener: UnixListener,
    path: PathBuf,
    connections: Connections,
}

impl LinkServer {
    /// Binds `dir/link.sock`: the directory created 0700 (or refused when not private), a stale socket
    /// left by a crashed app removed, a live one refused ([`LinkError::InUse`]), the new socket made 0600.
    pub fn bind(dir: &Path) -> Result<LinkServer, LinkError> {
        use std::os::unix::fs::PermissionsExt;
        ensure_private_dir(dir)?;
        let path = dir.join(super::SOCKET_NAME);
        if std::fs::symlink_metadata(&path).is_ok() {
            if std::os::unix::net::UnixStream::connect(&path).is_ok() {
                return Err(LinkError::InUse(path.display().to_string()));
            }
            std::fs::remove_file(&path).map_err(|source| LinkError::Io {
                about: "remove the stale link socket",
                source,
            })?;
        }
        let listener = UnixListener::bind(&path).map_err(|source| LinkError::Io {
            about: "open the link socket",
            source,
        })?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map_err(
            |source| LinkError::Io {
                about: "make the link socket private",
                source,
            },
        )?;
        Ok(LinkServer {
            listener,
            path,
            connections: Connections::default(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The sessions this server will open, to push an event to one of them.
    pub fn connections(&self) -> Connections {
        self.connections.clone()
    }

    /// Answers one-shot requests about `supervisor`'s session until the task is dropped; a hello is
    /// refused (no sessions here).
    pub async fn serve(self, supervisor: Supervisor, target: TargetFn) {
        self.accept(
            Some(OneShot { supervisor, target }),
            None::<Arc<NoSessions>>,
        )
        .await
    }

    /// Serves sessions through `handler` and, when given, one-shot requests through `one_shot`, until
    /// the task is dropped; each connection runs on its own task, and all of them end with this one.
    pub async fn serve_sessions<H: LinkHandler>(self, handler: Arc<H>, one_shot: Option<OneShot>) {
        self.accept(one_shot, Some(handler)).await
    }

    async fn accept<H: LinkHandler>(self, one_shot: Option<OneShot>, handler: Option<Arc<H>>) {
        let one_shot = one_shot.map(Arc::new);
        // Every connection's task lives in this set: when serving stops, every session ends with it.
        let mut connections = JoinSet::new();
        loop {
            let accepted = tokio::select! {
                accepted = self.listener.accept() => accepted,
                Some(_) = connections.join_next() => continue,
            };
            match accepted {
                Ok((stream, _)) => {
                    let (one_shot, handler) = (one_shot.clone(), handler.clone());
                    let open = self.connections.clone();
                    connections.spawn(async move {
                        if let Err(e) = answer(stream, one_shot, handler, open).await {
                            tracing::warn!("local link: {e}");
                        }
                    });
                }
                Err(e) => {
                    tracing::warn!("local link: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
}

impl Drop for LinkServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// What a connection's first line asks.
enum First {
    OneShot(LinkRequest),
    Hello(HelloLine),
    /// A line to answer with before closing.
    Refuse(String),
}

async fn answer<H: LinkHandler>(
    stream: UnixStream,
    one_shot: Option<Arc<OneShot>>,
    handler: Option<Arc<H>>,
    connections: Connections,
) -> Result<(), LinkError> {
    // The directory already keeps others out; the peer check holds even if it were opened up.
    let peer = stream.peer_cred().ok().map(|c| c.uid());
    check_peer(peer, own_uid())?;
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let first =
        tokio::time::timeout(REQUEST_BOUND, read_line(&mut reader, MAX_REQUEST_BYTES)).await;
    let line = match first {
        Err(_) => one_shot_line("no request line within 2 s".into()),
        Ok(Err(LineError::TooLong)) => one_shot_line(format!(
            "the first line is longer than the limit of {MAX_REQUEST_BYTES} bytes"
        )),
        Ok(Err(LineError::Io(source))) => {
            return Err(LinkError::Io {
                about: "read the request",
                source,
            });
        }
        Ok(Ok(None)) => return Ok(()),
        Ok(Ok(Some(line))) => match first_line(&line) {
            First::OneShot(request) => match one_shot {
                Some(one_shot) => encode(&one_shot.answer(request).await),
                None => one_shot_line(
                    "this Gateway Doctor answers sessions only (link version 2), not one-shot requests"
                        .into(),
                ),
            },
            First::Hello(hello) => match handler {
                Some(handler) => {
                    return super::session::run(reader, write, hello.hello, handler, connections)
                        .await;
                }
                None => refusal_line(&format!(
                    "link version {SESSION_VERSION} (a session) is not served by this app: it answers \
                     one-shot requests (version {ONE_SHOT_VERSION}) only"
                )),
            },
            First::Refuse(line) => line,
        },
    };
    write_line(&mut write, &line, "write the reply").await
}

fn one_shot_line(error: String) -> String {
    encode(&reply_error(error))
}

/// Reads the first line by its version: 1 is the CLI's one-shot request, 2 a session's hello.
fn first_line(line: &[u8]) -> First {
    let version = serde_json::from_slice::<Value>(line)
        .ok()
        .and_then(|value| value.get("v").and_then(Value::as_u64));
    match version {
        Some(2) => match serde_json::from_slice::<HelloLine>(line) {
            Ok(hello) => First::Hello(hello),
            Err(e) => First::Refuse(refusal_line(&format!(
                "link version 2 starts with a hello, {{\"v\":2,\"hello\":{{\"role\":\"window\" or \
                 \"cli\",\"build\":\"<version>\"}}}}: {e}"
            ))),
        },
        Some(v) if v != u64::from(ONE_SHOT_VERSION) => First::Refuse(one_shot_line(format!(
            "link version {v} is not {ONE_SHOT_VERSION} (one-shot) or {SESSION_VERSION} (session)"
        ))),
        _ => match serde_json::from_slice::<LinkRequest>(line) {
            Ok(request) => First::OneShot(request),
            Err(e) => First::Refuse(one_shot_line(format!("bad request: {e}"))),
        },
    }
}

/// The handler type of a server without sessions; never called.
struct NoSessions;

impl LinkHandler for NoSessions {
    type Event = LinkEvent;

    async fn call(&self, _: ConnectionId, _: String, _: Value) -> Result<Value, Value> {
        Err(Value::from("no sessions here"))
    }

    fn events(&self) -> broadcast::Receiver<LinkEvent> {
        broadcast::channel(1).1
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    use super::*;
    use crate::config::{Config, Inputs};
    use crate::local_link::{LinkReply, LinkTarget};
    use crate::supervisor::SupervisorOptions;

    /// Sends `line` on a new connection; the first line back, as JSON.
    async fn ask_json(path: &Path, line: &str) -> Value {
        let mut stream = UnixStream::connect(path).await.expect("connect");
        stream.write_all(line.as_bytes()).await.expect("write");
        let mut reply = String::new();
        BufReader::new(stream)
            .read_line(&mut reply)
            .await
            .expect("read");
        serde_json::from_str(&reply).unwrap_or_else(|e| panic!("{e}: {reply}"))
    }

    async fn ask(path: &Path, line: &str) -> LinkReply {
        let reply = ask_json(path, line).await;
        serde_json::from_value(reply.clone()).unwrap_or_else(|e| panic!("{e}: {reply}"))
    }

    /// A supervisor that is never connected here (it starts no worker until asked), and its target.
    fn idle_session() -> (Supervisor, TargetFn) {
        let config = Config::resolve(&Inputs::default()).expect("defaults");
        let supervisor = Supervisor::start(SupervisorOptions::new("/nonexistent".into(), config));
        let target: TargetFn = Arc::new(|| LinkTarget {
            host: "127.0.0.1".into(),
            port: 1,
            client_id: 7,
            connect_bound: Duration::from_secs(1),
            can_connect: false,
        });
        (supervisor, target)
    }

    #[tokio::test]
    async fn a_keeper_answers_the_one_shot_request_and_opens_sessions_on_one_socket() {
        let base = tempfile::tempdir().expect("temp dir");
        let server = LinkServer::bind(&base.path().join("gateway-doctor")).expect("bind");
        let path = server.path().to_path_buf();
        let (supervisor, target) = idle_session();
        let one_shot = OneShot {
            supervisor: supervisor.clone(),
            target,
        };
        let serving = tokio::spawn(server.serve_sessions(Arc::new(NoSessions), Some(one_shot)));

        let reply = ask(&path, "{\"v\":1,\"connect\":false}\n").await;
        assert_eq!(reply.v, ONE_SHOT_VERSION);
        assert_eq!(reply.session.expect("a session").phase, "idle");

        let hello = "{\"v\":2,\"hello\":{\"role\":\"cli\",\"build\":\"0\"}}\n";
        let welcome = ask_json(&path, hello).await;
        assert_eq!(welcome["v"], SESSION_VERSION);
        assert_eq!(welcome["welcome"]["pid"], std::process::id());

        serving.abort();
        let _ = serving.await;
        supervisor.shutdown().await;
    }

    #[tokio::test]
    async fn one_line_in_one_reply_out_and_bad_requests_get_a_reason() {
        let base = tempfile::tempdir().expect("temp dir");
        let server = LinkServer::bind(&base.path().join("gateway-doctor")).expect("bind");
        let path = server.path().to_path_buf();
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "the socket is the user's only");
        }
        assert!(
            matches!(
                LinkServer::bind(path.parent().expect("dir")),
                Err(LinkError::InUse(_))
            ),
            "a second app does not steal a live link"
        );
        let (supervisor, target) = idle_session();
        let serving = tokio::spawn(server.serve(supervisor.clone(), target));

        let reply = ask(&path, "{\"v\":1,\"connect\":false}\n").await;
        let session = reply.session.expect("a session");
        assert_eq!(session.phase, "idle");
        assert_eq!(session.app_pid, std::process::id());
        assert_eq!((session.port, session.client_id), (1, 7));
        assert_eq!(session.ping, None, "an idle session is not pinged");

        let reply = ask(&path, "{\"v\":2,\"connect\":false}\n").await;
        assert!(reply.error.expect("an error").contains("link version 2"));
        let reply = ask(
            &path,
            "{\"v\":2,\"hello\":{\"role\":\"cli\",\"build\":\"0\"}}\n",
        )
        .await;
        assert!(
            reply
                .error
                .expect("an error")
                .contains("not served by this app"),
            "a one-shot server refuses a session in words"
        );
        let reply = ask(&path, "{\"v\":3,\"connect\":false}\n").await;
        assert!(
            reply
                .error
                .expect("an error")
                .contains("link version 3 is not 1")
        );
        let reply = ask(&path, "{\"v\":1,\"connect\":false,\"kill\":true}\n").await;
        assert!(reply.error.expect("an error").starts_with("bad request"));
        let reply = ask(&path, "{\"v\":1,\"connect\":true}\n").await;
        assert_eq!(
            reply.session.expect("a session").phase,
            "idle",
            "no connect while the app says it may not"
        );

        serving.abort();
        let _ = serving.await;
        assert!(!path.exists(), "the socket file goes with the server");
        supervisor.shutdown().await;
    }
}
