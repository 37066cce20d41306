//! The demo gateway: gateway-sim on free loopback ports, clearly labelled, with buttons that make it
//! misbehave the way a real Gateway does in the field.
//!
//! [`Demo::start`] runs `gateway-sim --listen 127.0.0.1:0 --control 127.0.0.1:0` in its own process group,
//! reads its first stdout line (`{"listening":..,"control":..}`) and relays its stderr to the log. Faults go
//! through the simulator's control port (its typed blocking client, each call on a blocking thread):
//! freeze_api = `set_fault silent` + `drop_all` (the session drops and every reconnect times out, so the
//! guardrail trips as in the field); leave_zombie = a TWS API connection handed to a child `sleep 3600`, whose
//! connection the simulator then closes with `drop_peer` (a real CLOSE_WAIT socket held by a real process);
//! reject_client_id = `hold_client_id` + `drop_all` (the reconnect gets error 326); normal = `set_fault
//! normal` + `release_client_ids`; restart = `restart` (down 1.5 s, back healthy). [`Demo::stop`] ends the
//! helper processes and the simulator and reaps them.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use gateway_core::helper_programs::piped_command;
use gateway_core::supervisor::LogLine;
use gateway_sim::{ControlClient, ControlError, Ready};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;
use tokio::sync::{Mutex, oneshot};

use crate::dto::{DemoFault, DemoStatus};
use crate::error::AppError;
use crate::logstore::LogStore;

/// How long the simulator may take to print its first line.
const READY_WITHIN: Duration = Duration::from_secs(10);
/// Bound on the stale connection's handshake.
#[cfg(unix)]
const HANDSHAKE_WITHIN: Duration = Duration::from_secs(5);
/// How long the demo gateway is down on `restart`.
const RESTART_DOWN: Duration = Duration::from_millis(1500);

struct Running {
    child: Child,
    status: DemoStatus,
    control: ControlClient,
    /// One sender per zombie-holding helper: sending (or dropping) it ends and reaps that helper.
    helpers: Vec<oneshot::Sender<()>>,
}

#[derive(Default)]
pub struct Demo {
    running: Mutex<Option<Running>>,
}

impl Demo {
    pub async fn status(&self) -> Option<DemoStatus> {
        self.running.lock().await.as_ref().map(|r| r.status.clone())
    }

    /// Starts the simulator, or returns the one already running.
    pub async fn start(&self, sim_bin: &Path, logs: Arc<LogStore>) -> Result<DemoStatus, AppError> {
        let mut running = self.running.lock().await;
        if let Some(r) = running.as_ref() {
            return Ok(r.status.clone());
        }
        if !sim_bin.is_file() {
            return Err(AppError::Demo(format!(
                "the demo gateway program is missing at {}",
                sim_bin.display()
            )));
        }
        let mut command = piped_command(sim_bin);
        // We keep its stdin open: if the app is killed outright, the pipe closes and the demo ends too.
        command.args([
            "--listen",
            "127.0.0.1:0",
            "--control",
            "127.0.0.1:0",
            "--exit-with-stdin",
        ]);
        let mut child = command
            .spawn()
            .map_err(|e| AppError::Demo(format!("cannot start {}: {e}", sim_bin.display())))?;
        let pid = child.id().unwrap_or_default();
        let ready = match tokio::time::timeout(READY_WITHIN, first_line(&mut child)).await {
            Ok(Ok(ready)) => ready,
            Ok(Err(e)) => return Err(end(child, e).await),
            Err(_) => {
                return Err(end(child, AppError::Demo("it did not start in time".into())).await);
            }
        };
        if let Some(stderr) = child.stderr.take() {
            tokio::spawn(relay(stderr, pid, logs));
        }
        let status = DemoStatus {
            port: ready.0.port(),
            control_port: ready.1.port(),
            fault: DemoFault::Normal,
            pid,
        };
        log::info!(
            "demo gateway started (pid {pid}) on 127.0.0.1:{}",
            status.port
        );
        *running = Some(Running {
            child,
            status: status.clone(),
            control: ControlClient::new(ready.1),
            helpers: Vec::new(),
        });
        Ok(status)
    }

    /// Ends the helpers and the simulator, and reaps them. Nothing running is fine.
    pub async fn stop(&self) {
        let Some(mut r) = self.running.lock().await.take() else {
            return;
        };
        for helper in r.helpers.drain(..) {
            let _ = helper.send(());
        }
        let _ = r.child.start_kill();
        let status = r.child.wait().await;
        log::info!("demo gateway (pid {}) ended: {status:?}", r.status.pid);
    }

    /// Makes the running simulator misbehave; `client_id` is the session's (for reject_client_id).
    pub async fn set_fault(
        &self,
        fault: DemoFault,
        client_id: i32,
    ) -> Result<DemoStatus, AppError> {
        let mut guard = self.running.lock().await;
        let r = guard.as_mut().ok_or(AppError::DemoNotRunning)?;
        match fault {
            DemoFault::Normal => {
                control(r.control, |c| c.set_fault("normal")).await?;
                control(r.control, |c| c.release_client_ids()).await?;
            }
            DemoFault::FreezeApi => {
                control(r.control, |c| c.set_fault("silent")).await?;
                control(r.control, |c| c.drop_all()).await?;
            }
            DemoFault::RejectClientId => {
                control(r.control, move |c| c.hold_client_id(client_id)).await?;
                control(r.control, |c| c.drop_all()).await?;
            }
            DemoFault::LeaveZombie => {
                let helper = leave_zombie(r.status.port, r.control).await?;
                r.helpers.push(helper);
            }
            DemoFault::Restart => {
                control(r.control, |c| c.restart_into(RESTART_DOWN, "normal")).await?;
            }
        }
        log::info!("demo gateway fault: {fault:?}");
        r.status.fault = fault;
        Ok(r.status.clone())
    }
}

/// Reads the simulator's first stdout line: its API and control addresses.
async fn first_line(child: &mut Child) -> Result<(SocketAddr, SocketAddr), AppError> {
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| AppError::Demo("no output pipe".into()))?;
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .await
        .map_err(|e| AppError::Demo(format!("cannot read its output: {e}")))?;
    let ready = Ready::parse(&line).map_err(|e| AppError::Demo(e.to_string()))?;
    Ok((ready.listening, ready.control))
}

/// Kills and reaps a simulator that failed to start; returns `err`.
async fn end(mut child: Child, err: AppError) -> AppError {
    let _ = child.start_kill();
    let _ = child.wait().await;
    err
}

/// The simulator's stderr, line by line, into the log.
async fn relay(stderr: tokio::process::ChildStderr, pid: u32, logs: Arc<LogStore>) {
    let mut lines = BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let mut entry = LogLine::from_worker(pid, &line);
        entry.source = format!("demo-gateway[{pid}]");
        logs.record(entry);
    }
}

/// One typed call on the simulator's control port, on a blocking thread (the client is blocking).
async fn control<T: Send + 'static>(
    client: ControlClient,
    call: impl FnOnce(ControlClient) -> Result<T, ControlError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(move || call(client))
        .await
        .map_err(AppError::join)?
        .map_err(|e| AppError::Demo(e.to_string()))
}

/// A real client zombie on the demo port: a TWS API connection (past the version handshake) handed to a
/// child `sleep 3600`, then closed by the simulator. Returns the sender that ends and reaps the child.
#[cfg(unix)]
async fn leave_zombie(port: u16, client: ControlClient) -> Result<oneshot::Sender<()>, AppError> {
    let api = SocketAddr::from(([127, 0, 0, 1], port));
    let stream = tokio::task::spawn_blocking(move || api_connection(api))
        .await
        .map_err(AppError::join)?
        .map_err(|e| AppError::Demo(format!("cannot open the stale connection: {e}")))?;
    let local = stream
        .local_addr()
        .map_err(|e| AppError::Demo(e.to_string()))?;
    use std::process::Stdio;
    let mut command = tokio::process::Command::new("sleep");
    command
        .arg("3600")
        .stdin(Stdio::from(std::os::fd::OwnedFd::from(stream)))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .process_group(0);
    let mut child = command
        .spawn()
        .map_err(|e| AppError::Demo(format!("cannot start the helper process: {e}")))?;
    // The command holds the parent's copy of the socket until dropped: then only the child has it.
    drop(command);
    let pid = child.id().unwrap_or_default();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        tokio::select! {
            status = child.wait() => log::info!("demo helper (pid {pid}) ended: {status:?}"),
            _ = stopped => { let _ = child.kill().await; }
        }
    });
    control(client, move |c| c.drop_peer(local)).await?;
    log::info!("demo: left a stale connection from {local} held by sleep (pid {pid})");
    Ok(stop)
}

/// Without Unix descriptor passing there is no safe way (this workspace forbids `unsafe`) to hand an open
/// connection to a helper program, so the demo says so instead of leaving nothing and saying it did.
#[cfg(not(unix))]
async fn leave_zombie(
    _port: u16,
    _control: ControlClient,
) -> Result<oneshot::Sender<()>, AppError> {
    Err(AppError::Demo(
        "leaving a stale connection is not part of the demo on Windows yet (Linux and macOS only); \
         the Connections screen still finds real ones"
            .into(),
    ))
}

/// Opens a connection and completes the TWS API version handshake, so the simulator's session is past the
/// hello and closes it when asked (and nothing unread is left on its side, so its close is a clean FIN).
#[cfg(unix)]
fn api_connection(addr: SocketAddr) -> std::io::Result<std::net::TcpStream> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect_timeout(&addr, HANDSHAKE_WITHIN)?;
    stream.set_read_timeout(Some(HANDSHAKE_WITHIN))?;
    let offer = b"v100..187";
    let mut hello = b"API\0".to_vec();
    hello.extend_from_slice(&(offer.len() as u32).to_be_bytes());
    hello.extend_from_slice(offer);
    stream.write_all(&hello)?;
    let mut len = [0u8; 4];
    stream.read_exact(&mut len)?;
    let mut reply = vec![0u8; u32::from_be_bytes(len) as usize];
    stream.read_exact(&mut reply)?;
    Ok(stream)
}
