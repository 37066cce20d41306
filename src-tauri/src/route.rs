//! Where the window's commands go. The backend's commands (gateway-backend's `api::COMMANDS`) are handed
//! over whole, name and JSON arguments, and the answer or error comes back as it was given, so the UI sees
//! exactly what the backend says. The backend runs either in this process ([`Route::InProcess`]: Windows,
//! macOS, the tests, and Linux when the keeper cannot start) or in the keeper ([`Route::Keeper`]: Linux,
//! over the local link; src/keeper.rs). The desktop's own commands (quit, start at login, open the logs
//! folder) are this program's, registered with `generate_handler!` in lib.rs. Tauri has already checked the
//! window's capability for the command (the app's permission manifest, built from commands.rs) before any
//! of this runs.

use std::sync::Arc;
#[cfg(unix)]
use std::time::Duration;

use gateway_backend::{AppError, Backend, CommandError};
use serde_json::Value;
use tauri::ipc::{Invoke, InvokeBody, InvokeError};
use tauri::{Manager, Runtime};

/// How long a command may take in the keeper before the window stops waiting. Every command is bounded
/// there already (a connect by its timeout, a diagnose by its stages, a restart runs in the background);
/// this only catches a keeper that stopped answering.
#[cfg(unix)]
const KEEPER_CALL_BOUND: Duration = Duration::from_secs(300);

/// Where the commands go (managed app state).
pub enum Route {
    InProcess(Arc<Backend>),
    /// The session with the keeper; replaced when a keeper that ended is started again (keeper.rs).
    #[cfg(unix)]
    Keeper(std::sync::RwLock<Arc<gateway_core::local_link::LinkClient>>),
}

impl Route {
    /// The backend when it runs in this process.
    pub fn backend(&self) -> Option<&Arc<Backend>> {
        match self {
            Route::InProcess(backend) => Some(backend),
            #[cfg(unix)]
            Route::Keeper(_) => None,
        }
    }

    /// Whether this is the desktop app (the tests' in-process backend runs without one).
    pub fn desktop(&self) -> bool {
        match self {
            Route::InProcess(backend) => backend.state.options.desktop,
            #[cfg(unix)]
            Route::Keeper(_) => true,
        }
    }

    /// Runs command `name` with `arguments`; the error is a CommandError as JSON.
    pub async fn call(&self, name: &str, arguments: Value) -> Result<Value, Value> {
        match self {
            Route::InProcess(backend) => gateway_backend::api::call(backend, name, arguments)
                .await
                .map_err(error_json),
            #[cfg(unix)]
            Route::Keeper(link) => match Route::current(link)
                .call(name, arguments, KEEPER_CALL_BOUND)
                .await
            {
                Ok(answer) => answer,
                Err(e) => {
                    log::warn!("{name}: the keeper did not answer: {e}");
                    Err(error_json(
                        AppError::KeeperUnreachable(format!(
                            "the part of Gateway Doctor that keeps the session did not answer ({e})"
                        ))
                        .into(),
                    ))
                }
            },
        }
    }

    /// Talks to `link` from now on (a keeper started again).
    #[cfg(unix)]
    pub fn replace(&self, link: gateway_core::local_link::LinkClient) {
        if let Route::Keeper(current) = self {
            *current
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(link);
        }
    }

    #[cfg(unix)]
    fn current(
        link: &std::sync::RwLock<Arc<gateway_core::local_link::LinkClient>>,
    ) -> Arc<gateway_core::local_link::LinkClient> {
        link.read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
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
