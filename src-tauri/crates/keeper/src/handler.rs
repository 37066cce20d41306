//! The keeper's answers on the local link: a window's calls go to the backend's one door
//! (gateway-backend's `api::call`), except Quit, which is the keeper's own; every backend event goes to
//! every window as it is (a window that falls behind is told `link://lagged` and re-reads); a window's
//! session opening and closing is how the keeper knows whether one is open.

use std::sync::Arc;

use gateway_backend::{Backend, CommandError};
use gateway_core::local_link::{ConnectionId, Hello, LinkHandler, QUIT_CALL, Role};
use serde_json::Value;
use tokio::sync::{Notify, broadcast};

use crate::window::Windows;

pub struct KeeperHandler {
    backend: Arc<Backend>,
    windows: Windows,
    quit: Arc<Notify>,
}

impl KeeperHandler {
    pub fn new(backend: Arc<Backend>, windows: Windows, quit: Arc<Notify>) -> KeeperHandler {
        KeeperHandler {
            backend,
            windows,
            quit,
        }
    }
}

impl LinkHandler for KeeperHandler {
    type Event = gateway_backend::Event;

    async fn call(&self, _conn: ConnectionId, name: String, args: Value) -> Result<Value, Value> {
        if name == QUIT_CALL {
            log::info!("Quit from the window (Ctrl+Q)");
            self.quit.notify_one();
            return Ok(Value::Null);
        }
        gateway_backend::api::call(&self.backend, &name, args)
            .await
            .map_err(|e: CommandError| serde_json::to_value(e).unwrap_or(Value::Null))
    }

    fn events(&self) -> broadcast::Receiver<gateway_backend::Event> {
        self.backend.subscribe()
    }

    fn opened(&self, conn: ConnectionId, hello: &Hello) {
        if hello.role == Role::Window {
            if hello.build != env!("CARGO_PKG_VERSION") {
                log::warn!(
                    "a window of Gateway Doctor {} opened on this keeper of {}: quit and start Gateway Doctor \
                     again to use one version",
                    hello.build,
                    env!("CARGO_PKG_VERSION")
                );
            }
            self.windows.opened(conn);
        }
    }

    fn closed(&self, conn: ConnectionId) {
        self.windows.closed(conn);
    }
}
