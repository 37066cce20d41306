//! The app's side of the link: a plain tokio task around a real [`Supervisor`], so a test can run it
//! without a window. Each connection: peer uid checked, one bounded request line read, the session tested
//! through the supervisor (a ping when live; a connect, kept, when asked and allowed), one reply line.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use super::private::{check_peer, ensure_private_dir, own_uid};
use super::{LINK_VERSION, LinkError, LinkReply, LinkRequest, LinkSession, MAX_REQUEST_BYTES};
use crate::diagnostics::{nothing_listens, test_session};
use crate::supervisor::{Lifecycle, Supervisor};

/// How long a client may take to send its request line.
const REQUEST_BOUND: Duration = Duration::from_secs(2);
/// The longest a ping through the live session may take for a link request.
const PING_BOUND: Duration = Duration::from_secs(5);

/// Where the app's session goes and whether the link may connect it (not while a setting is bad).
#[derive(Debug, Clone)]
pub struct LinkTarget {
    pub host: String,
    pub port: u16,
    pub client_id: i32,
    /// How long a connect may take before the reply says what it saw (the configured timeout + margin).
    pub connect_bound: Duration,
    pub can_connect: bool,
}

/// Reads the app's current target on each request (settings can change while it runs).
pub type TargetFn = Arc<dyn Fn() -> LinkTarget + Send + Sync>;

/// A bound link socket; the socket file is removed when it is dropped.
#[derive(Debug)]
pub struct LinkServer {
    listener: UnixListener,
    path: PathBuf,
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
        Ok(LinkServer { listener, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Answers requests until the task is dropped; each connection runs on its own task.
    pub async fn serve(self, supervisor: Supervisor, target: TargetFn) {
        loop {
            match self.listener.accept().await {
                Ok((stream, _)) => {
                    let (supervisor, target) = (supervisor.clone(), target.clone());
                    tokio::spawn(async move {
                        if let Err(e) = answer(stream, &supervisor, &target).await {
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

async fn answer(
    stream: UnixStream,
    supervisor: &Supervisor,
    target: &TargetFn,
) -> Result<(), LinkError> {
    // The directory already keeps others out; the peer check holds even if it were opened up.
    let peer = stream.peer_cred().ok().map(|c| c.uid());
    check_peer(peer, own_uid())?;
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    let mut reader = BufReader::new(read.take(MAX_REQUEST_BYTES as u64));
    let read = tokio::time::timeout(REQUEST_BOUND, reader.read_line(&mut line)).await;
    let reply = match read {
        Err(_) => reply_error("no request line within 2 s".into()),
        Ok(Err(source)) => {
            return Err(LinkError::Io {
                about: "read the request",
                source,
            });
        }
        Ok(Ok(_)) => match serde_json::from_str::<LinkRequest>(line.trim()) {
            Ok(request) if request.v == LINK_VERSION => LinkReply {
                v: LINK_VERSION,
                session: Some(session(supervisor, target(), request.connect).await),
                error: None,
            },
            Ok(request) => reply_error(format!("link version {} is not {LINK_VERSION}", request.v)),
            Err(e) => reply_error(format!("bad request: {e}")),
        },
    };
    let mut text = serde_json::to_string(&reply).map_err(|e| LinkError::BadReply(e.to_string()))?;
    text.push('\n');
    write
        .write_all(text.as_bytes())
        .await
        .map_err(|source| LinkError::Io {
            about: "write the reply",
            source,
        })
}

fn reply_error(error: String) -> LinkReply {
    LinkReply {
        v: LINK_VERSION,
        session: None,
        error: Some(error),
    }
}

async fn session(supervisor: &Supervisor, target: LinkTarget, connect: bool) -> LinkSession {
    // Connect only where something listens, as the app's own Diagnose does.
    let connect = connect && target.can_connect && !nothing_listens(target.port).await;
    let test = test_session(supervisor, connect, target.connect_bound, PING_BOUND).await;
    let latch = match &test.lifecycle {
        Lifecycle::Latched { error } => Some(error.clone()),
        _ => None,
    };
    LinkSession {
        app_pid: std::process::id(),
        host: target.host,
        port: target.port,
        client_id: target.client_id,
        phase: test.lifecycle.phase().into(),
        latch,
        worker_pid: test.worker_pid,
        worker: test.status,
        ping: test.ping,
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    use super::*;
    use crate::config::{Config, Inputs};
    use crate::supervisor::SupervisorOptions;

    async fn ask(path: &Path, line: &str) -> LinkReply {
        let mut stream = UnixStream::connect(path).await.expect("connect");
        stream.write_all(line.as_bytes()).await.expect("write");
        let mut reply = String::new();
        BufReader::new(stream)
            .read_line(&mut reply)
            .await
            .expect("read");
        serde_json::from_str(&reply).unwrap_or_else(|e| panic!("{e}: {reply}"))
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
        let config = Config::resolve(&Inputs::default()).expect("defaults");
        // Never connected here: the supervisor starts no worker until asked.
        let supervisor = Supervisor::start(SupervisorOptions::new("/nonexistent".into(), config));
        let target: TargetFn = Arc::new(|| LinkTarget {
            host: "127.0.0.1".into(),
            port: 1,
            client_id: 7,
            connect_bound: Duration::from_secs(1),
            can_connect: false,
        });
        let serving = tokio::spawn(server.serve(supervisor.clone(), target));

        let reply = ask(&path, "{\"v\":1,\"connect\":false}\n").await;
        let session = reply.session.expect("a session");
        assert_eq!(session.phase, "idle");
        assert_eq!(session.app_pid, std::process::id());
        assert_eq!((session.port, session.client_id), (1, 7));
        assert_eq!(session.ping, None, "an idle session is not pinged");

        let reply = ask(&path, "{\"v\":2,\"connect\":false}\n").await;
        assert!(reply.error.expect("an error").contains("link version 2"));
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
