//! The request loop: reads stdin line by line, answers bad lines at once, runs each good request as its
//! own task (so `status` answers while a connect is waiting), and decides when the process ends.
//!
//! End of stdin: the requests in flight finish and are answered, then the worker exits 0. `shutdown`,
//! SIGTERM and SIGINT exit at once after flushing stdout. The session is never closed by hand on the way
//! out: the OS closes the socket with the process.

use gateway_proto::Command;
use tokio::io::BufReader;
use tokio::task::{JoinError, JoinSet};

use crate::errors::WorkerError;
use crate::input::{Line, LineReader, MAX_LINE};
use crate::output::Output;
use crate::request;
use crate::settings::ProcessEnv;
use crate::worker::Worker;

/// Serves stdin until it ends or the worker is told to stop; returns the exit code.
pub async fn serve() -> i32 {
    let out = Output::spawn(tokio::io::stdout());
    let worker = Worker::new(out.clone(), Box::new(ProcessEnv));
    let mut lines = LineReader::new(
        BufReader::with_capacity(64 * 1024, tokio::io::stdin()),
        MAX_LINE,
    );
    let mut in_flight = JoinSet::new();
    let stop = stop_signal();
    tokio::pin!(stop);
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        "gateway-worker ready: one JSON request per line on stdin"
    );
    loop {
        tokio::select! {
            line = lines.next_line() => match line {
                Ok(Some(line)) => {
                    if accept(line, &worker, &mut in_flight).await == Flow::Exit {
                        return 0;
                    }
                }
                Ok(None) => break,
                Err(err) => {
                    tracing::warn!("cannot read stdin ({err}): finishing as at its end");
                    break;
                }
            },
            Some(done) = in_flight.join_next() => report_failed_task(done, &out),
            signal = &mut stop => return exit_on(signal, &out).await,
        }
    }
    tracing::info!(
        in_flight = in_flight.len(),
        "stdin ended: finishing the requests in flight"
    );
    loop {
        tokio::select! {
            done = in_flight.join_next() => match done {
                Some(done) => report_failed_task(done, &out),
                None => break,
            },
            signal = &mut stop => return exit_on(signal, &out).await,
        }
    }
    out.flush().await;
    0
}

#[derive(Debug, PartialEq, Eq)]
enum Flow {
    Continue,
    Exit,
}

async fn accept(line: Line, worker: &std::sync::Arc<Worker>, in_flight: &mut JoinSet<()>) -> Flow {
    let out = worker.output();
    let text = match line {
        Line::TooLong { bytes, head } => {
            let error = WorkerError::BadRequest(format!(
                "The request line is {bytes} bytes long; the limit is {MAX_LINE} bytes (1 MiB). Send one \
                 request per line."
            ));
            out.error(request::leading_id(&head), error.body());
            return Flow::Continue;
        }
        Line::Text(text) => text,
    };
    if text.trim_ascii().is_empty() {
        return Flow::Continue;
    }
    match request::parse(&text) {
        Err(rejected) => out.error(rejected.id, rejected.error.body()),
        Ok(parsed) if parsed.command == Command::Shutdown => {
            tracing::info!("shutdown requested: exiting; the OS closes the socket");
            worker.clone().handle(parsed).await;
            out.flush().await;
            return Flow::Exit;
        }
        Ok(parsed) => {
            in_flight.spawn(worker.clone().handle(parsed));
        }
    }
    Flow::Continue
}

/// A request task that panicked never answered; say so, so the app does not wait for it.
fn report_failed_task(done: Result<(), JoinError>, out: &Output) {
    if let Err(err) = done {
        tracing::error!("a request task failed: {err}");
        out.error(
            None,
            WorkerError::Internal(format!("a request failed: {err}")).body(),
        );
    }
}

async fn exit_on(signal: &'static str, out: &Output) -> i32 {
    tracing::info!("{signal}: exiting; the OS closes the socket");
    out.flush().await;
    0
}

/// Resolves with the signal's name on SIGTERM or SIGINT (Ctrl-C elsewhere).
async fn stop_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            },
            _ => {
                // The default action still ends the process on these signals.
                tracing::warn!("cannot listen for SIGTERM/SIGINT");
                std::future::pending().await
            }
        }
    }
    #[cfg(not(unix))]
    {
        match tokio::signal::ctrl_c().await {
            Ok(()) => "Ctrl-C",
            Err(_) => std::future::pending().await,
        }
    }
}
