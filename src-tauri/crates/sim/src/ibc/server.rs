//! The command server's sockets: an accept loop that lives and dies with the simulated Gateway, one task per
//! connection reading lines (up to `\n`; a `\r` before it is dropped, as Java's readLine does) and writing
//! [`protocol`](super::protocol)'s answers, then acting on them through the API port's commands.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, watch};

use super::protocol::{Action, IbcCommand, Style, permitted};
use super::{GARBAGE_LINE, IbcFault, IbcOptions};
use crate::control::default_notice;
use crate::server::{PortCommand, Restart, rebind};
use crate::state::{Broadcast, Shared};

/// Longest command line read; IBC has no limit, the simulator needs one.
const MAX_LINE: u64 = 4096;

/// What every connection task shares.
struct Context {
    shared: Arc<Shared>,
    options: IbcOptions,
    style: Style,
    bound: IpAddr,
    port: mpsc::Sender<PortCommand>,
    /// A RESTART or STOP is under way (IBC refuses a second one until the Gateway has gone).
    busy: AtomicBool,
}

pub(crate) async fn serve(
    shared: Arc<Shared>,
    listener: TcpListener,
    options: IbcOptions,
    port: mpsc::Sender<PortCommand>,
) {
    let addr = match listener.local_addr() {
        Ok(addr) => addr,
        Err(err) => {
            tracing::error!("the IBC command port has no address: {err}");
            return;
        }
    };
    let mut up = shared.watch_up();
    let context = Arc::new(Context {
        style: Style {
            prompt: options.prompt.clone(),
            info: options.info,
        },
        shared,
        options,
        bound: addr.ip(),
        port,
        busy: AtomicBool::new(false),
    });
    let mut listener = Some(listener);
    loop {
        let Some(current) = listener.as_ref() else {
            // The Gateway (and IBC with it) is not running: listen again once it is.
            let came_up = up.wait_for(|up| *up).await.is_ok();
            if !came_up {
                return;
            }
            match rebind(addr).await {
                Ok(l) => {
                    tracing::info!(%addr, "IBC command server listening again");
                    context.busy.store(false, Ordering::SeqCst);
                    listener = Some(l);
                }
                Err(err) => {
                    tracing::error!(
                        "the IBC command server could not listen on {addr} again: {err}"
                    );
                    return;
                }
            }
            continue;
        };
        tokio::select! {
            accepted = current.accept() => match accepted {
                Ok((stream, peer)) => {
                    tokio::spawn(serve_connection(context.clone(), stream, peer, context.shared.watch_up()));
                }
                Err(err) => {
                    tracing::error!("IBC accept failed: {err}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            went_down = async { up.wait_for(|up| !*up).await.is_ok() } => {
                if !went_down {
                    return;
                }
                tracing::warn!("the Gateway is down: the IBC command port closes with it");
                listener = None;
            }
        }
    }
}

async fn serve_connection(
    context: Arc<Context>,
    stream: TcpStream,
    peer: SocketAddr,
    mut up: watch::Receiver<bool>,
) {
    let shared = &context.shared;
    shared.count_ibc(|s| s.connections += 1);
    if !permitted(peer.ip(), context.bound, &context.options.control_from) {
        // IBC closes a connection from an address ControlFrom does not allow without a word.
        tracing::warn!(%peer, "IBC: ControlFrom does not allow this address: closed");
        shared.count_ibc(|s| s.refused += 1);
        return;
    }
    tracing::info!(%peer, fault = ?context.options.fault, "IBC: command connection accepted");
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let greeting = match context.options.fault {
        IbcFault::Normal => context.style.greeting(),
        IbcFault::Silent | IbcFault::Garbage => String::new(),
    };
    if write.write_all(greeting.as_bytes()).await.is_err() {
        return;
    }
    loop {
        let mut line = Vec::new();
        let mut limited = (&mut reader).take(MAX_LINE);
        let read = tokio::select! {
            read = limited.read_until(b'\n', &mut line) => read,
            _ = async { up.wait_for(|up| !*up).await.is_ok() } => {
                tracing::info!(%peer, "IBC: the Gateway went down with this connection open");
                return;
            }
        };
        match read {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        match context.options.fault {
            IbcFault::Normal => {}
            IbcFault::Silent => continue,
            IbcFault::Garbage => {
                if write.write_all(GARBAGE_LINE.as_bytes()).await.is_err() {
                    return;
                }
                continue;
            }
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.strip_suffix('\n').unwrap_or(&text);
        let text = text.strip_suffix('\r').unwrap_or(text);
        let command = IbcCommand::parse(text);
        if let Some(command) = &command {
            tracing::info!(%peer, ?command, "IBC: command received");
            count(shared, command);
        }
        let takes_the_gateway_down =
            matches!(command, Some(IbcCommand::Restart | IbcCommand::Stop));
        let busy = if takes_the_gateway_down {
            context.busy.swap(true, Ordering::SeqCst)
        } else {
            context.busy.load(Ordering::SeqCst)
        };
        let answer = context.style.answer(
            command.as_ref(),
            &restart_at(context.options.restart_after),
            busy,
        );
        if write.write_all(answer.bytes.as_bytes()).await.is_err() {
            return;
        }
        match answer.action {
            Action::None | Action::ReconnectData => continue,
            Action::ReconnectAccount => {
                for code in [1100, 1102] {
                    shared.broadcast(Broadcast::Notice {
                        code,
                        message: default_notice(code).to_string(),
                    });
                }
                continue;
            }
            Action::Close => {}
            Action::Restart => {
                let (done, _) = oneshot::channel();
                let restart = Restart {
                    down: context.options.restart_down,
                    fault: None,
                    done,
                };
                let after = context.options.restart_after;
                let port = context.port.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(after).await;
                    tracing::warn!("IBC: the auto-restart time has come");
                    let _ = port.send(PortCommand::Restart(restart)).await;
                });
            }
            Action::Stop => {
                let _ = context.port.send(PortCommand::Stop).await;
            }
        }
        let _ = write.shutdown().await;
        return;
    }
}

fn count(shared: &Shared, command: &IbcCommand) {
    shared.count_ibc(|s| match command {
        IbcCommand::Stop => s.stop += 1,
        IbcCommand::Restart => s.restart += 1,
        IbcCommand::ReconnectAccount => s.reconnect_account += 1,
        IbcCommand::ReconnectData => s.reconnect_data += 1,
        IbcCommand::EnableApi => s.enable_api += 1,
        IbcCommand::Exit => s.exit += 1,
        IbcCommand::Invalid(_) => s.invalid += 1,
    });
}

/// The auto-restart time RESTART reports, `hh:mm AM` in local time, as IBC writes it.
fn restart_at(after: Duration) -> String {
    let now = jiff::Zoned::now();
    let at = jiff::SignedDuration::try_from(after)
        .ok()
        .and_then(|d| now.checked_add(d).ok())
        .unwrap_or(now);
    at.strftime("%I:%M %p").to_string()
}
