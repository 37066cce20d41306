//! The one writer of stdout: every response and event goes through a channel to a single task that writes
//! whole lines, so concurrent commands and events can never interleave bytes within a line.

use gateway_proto::{ErrorBody, Event, Response, WorkerOutput};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};

/// Written in place of a line that cannot be serialized (no protocol type can fail, but stdout must stay
/// one object per line regardless).
const UNWRITABLE: &str = r#"{"status":"error","error":{"code":"INTERNAL","message":"Internal error in gateway-worker: an answer could not be written."}}"#;

enum Message {
    Line(WorkerOutput),
    /// Answered once every line sent before it is written and flushed.
    Flush(oneshot::Sender<()>),
}

/// A handle for sending lines to the writer task. Cheap to clone.
#[derive(Clone)]
pub struct Output {
    sender: mpsc::UnboundedSender<Message>,
}

impl Output {
    /// Starts the writer task on `sink` (stdout in the binary).
    pub fn spawn(sink: impl AsyncWrite + Unpin + Send + 'static) -> Output {
        let (sender, receiver) = mpsc::unbounded_channel();
        tokio::spawn(write_lines(receiver, sink));
        Output { sender }
    }

    pub fn respond(&self, response: Response) {
        self.send(WorkerOutput::Response(response));
    }

    pub fn success(&self, id: Option<serde_json::Value>, data: gateway_proto::ResponseData) {
        self.respond(Response::success(id, data));
    }

    pub fn error(&self, id: Option<serde_json::Value>, error: ErrorBody) {
        self.respond(Response::error(id, error));
    }

    pub fn event(&self, event: Event) {
        self.send(WorkerOutput::Event(event));
    }

    fn send(&self, line: WorkerOutput) {
        // The writer lives as long as the process; a send can only fail while exiting.
        let _ = self.sender.send(Message::Line(line));
    }

    /// Waits until everything sent so far is on stdout.
    pub async fn flush(&self) {
        let (done, flushed) = oneshot::channel();
        if self.sender.send(Message::Flush(done)).is_ok() {
            let _ = flushed.await;
        }
    }
}

async fn write_lines(
    mut receiver: mpsc::UnboundedReceiver<Message>,
    mut sink: impl AsyncWrite + Unpin,
) {
    while let Some(message) = receiver.recv().await {
        match message {
            Message::Line(line) => {
                let mut text = serde_json::to_string(&line).unwrap_or_else(|e| {
                    tracing::error!("cannot serialize an output line: {e}");
                    UNWRITABLE.to_string()
                });
                text.push('\n');
                let written = async {
                    sink.write_all(text.as_bytes()).await?;
                    sink.flush().await
                };
                if let Err(err) = written.await {
                    // The reader is gone (the app exited); stdin ends too, and the worker with it.
                    tracing::warn!("cannot write to stdout: {err}");
                }
            }
            Message::Flush(done) => {
                let _ = sink.flush().await;
                let _ = done.send(());
            }
        }
    }
}
