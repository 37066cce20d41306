//! Where the window's commands go. The backend's commands (gateway-backend's `api::COMMANDS`) are handed
//! over whole, name and JSON arguments, to the backend running in this process, and its answer or error
//! comes back as it was given: the UI sees exactly what the backend says. The desktop's own commands (quit,
//! start at login, open the logs folder) are this program's, registered with `generate_handler!` in lib.rs.
//! Tauri has already checked the window's capability for the command (the app's permission manifest, built
//! from commands.rs) before any of this runs.

use std::sync::Arc;

use gateway_backend::{AppError, Backend, CommandError};
use serde_json::Value;
use tauri::ipc::{Invoke, InvokeBody, InvokeError};
use tauri::{Manager, Runtime};

/// The backend the commands go to (managed app state).
pub struct Route {
    backend: Arc<Backend>,
}

impl Route {
    pub fn in_process(backend: Arc<Backend>) -> Route {
        Route { backend }
    }

    pub fn backend(&self) -> &Arc<Backend> {
        &self.backend
    }

    /// Runs command `name` with `arguments`; the error is the backend's CommandError as JSON.
    pub async fn call(&self, name: &str, arguments: Value) -> Result<Value, Value> {
        gateway_backend::api::call(&self.backend, name, arguments)
            .await
            .map_err(error_json)
    }
}

fn error_json(error: CommandError) -> Value {
    serde_json::to_value(&error).unwrap_or(Value::Null)
}

/// Answers `invoke` when it is one of the backend's commands (true), else leaves it to `others`.
pub fn handle<R: Runtime>(invoke: Invoke<R>, others: impl Fn(Invoke<R>) -> bool) -> bool {
    let name = invoke.message.command().to_string();
    if !gateway_backend::api::COMMANDS.contains(&name.as_str()) {
        return others(invoke);
    }
    let arguments = match invoke.message.payload() {
        InvokeBody::Json(value) => Ok(value.clone()),
        InvokeBody::Raw(_) => Err(error_json(
            AppError::CommandNotUnderstood(format!("{name}: the arguments must be JSON")).into(),
        )),
    };
    let webview = invoke.message.webview();
    invoke.resolver.respond_async(async move {
        let route = webview.state::<Route>();
        let answer = match arguments {
            Ok(arguments) => route.call(&name, arguments).await,
            Err(error) => Err(error),
        };
        answer.map_err(InvokeError::from)
    });
    true
}
