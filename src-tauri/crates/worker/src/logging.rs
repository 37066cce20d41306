//! Human log lines go to stderr through tracing (filtered by RUST_LOG, default `info`); stdout is only
//! for protocol lines. ibapi logs through the `log` crate: its records are shown to the handshake
//! [`probe`](crate::probe) first, then forwarded to tracing.

use std::io::IsTerminal;

use tracing_log::LogTracer;
use tracing_subscriber::EnvFilter;

use crate::probe;

/// Installs the stderr subscriber and the `log` bridge. Call once, first thing.
pub fn init() {
    let subscriber = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .finish();
    if tracing::subscriber::set_global_default(subscriber).is_err() {
        eprintln!("gateway-worker: a log subscriber was already installed");
    }
    if log::set_boxed_logger(Box::new(Bridge {
        tracer: LogTracer::new(),
    }))
    .is_ok()
    {
        // Debug, so ibapi emits the per-step records the probe reads; the tracing filter still decides
        // what reaches stderr.
        log::set_max_level(log::LevelFilter::Debug);
    } else {
        eprintln!(
            "gateway-worker: a log bridge was already installed; handshake steps will not be timed"
        );
    }
}

struct Bridge {
    tracer: LogTracer,
}

impl log::Log for Bridge {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.target().starts_with("ibapi::") || self.tracer.enabled(metadata)
    }

    fn log(&self, record: &log::Record<'_>) {
        probe::observe(record);
        self.tracer.log(record);
    }

    fn flush(&self) {}
}
