//! Every command the window offers, answered in one place: [`call`] takes a command's name and its JSON
//! arguments (an object whose keys are the argument names, snake_case, as src-tauri/IPC.md lists them) and
//! gives its JSON answer or a [`CommandError`]. The Tauri app calls it in-process; on Linux the keeper calls
//! it for each request the window sends over the local link. The desktop's own commands (quit, start at
//! login, open the logs folder) are the program's, not listed here.

use std::sync::Arc;

use gateway_core::sockets::CleanConfirmation;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::Backend;
use crate::connections::{self, CleanRequest};
use crate::dto::DemoFault;
use crate::error::{AppError, CommandError};
use crate::restart;

// The commands [`call`] answers: BACKEND_COMMANDS, in commands.rs (a file of names alone, which the app's
// build.rs includes too, so tauri-build makes a permission for each).
include!("commands.rs");

/// The commands [`call`] answers.
pub const COMMANDS: &[&str] = BACKEND_COMMANDS;

/// No arguments.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NoArgs {}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Confirmed {
    confirmed: bool,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Clean {
    confirmation: Option<CleanConfirmation>,
    dry_run: bool,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Changes {
    changes: Map<String, Value>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct EnvPath {
    path: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Limit {
    limit: usize,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Fault {
    fault: DemoFault,
}

/// `args` as command `name`'s arguments (null is no arguments).
fn args<T: DeserializeOwned>(name: &str, args: Value) -> Result<T, AppError> {
    let args = if args.is_null() {
        Value::Object(Map::new())
    } else {
        args
    };
    serde_path_to_error::deserialize(args).map_err(|e| {
        AppError::CommandNotUnderstood(format!("{name}: the arguments are not right: {e}"))
    })
}

fn answer(value: impl Serialize) -> Result<Value, CommandError> {
    serde_json::to_value(value).map_err(|e| {
        CommandError::from(AppError::Internal(format!(
            "the answer cannot be sent: {e}"
        )))
    })
}

/// Runs command `name` with `arguments`.
pub async fn call(
    backend: &Arc<Backend>,
    name: &str,
    arguments: Value,
) -> Result<Value, CommandError> {
    let state = &backend.state;
    let none = |arguments: Value| args::<NoArgs>(name, arguments).map(|_| ());
    match name {
        "get_app_info" => {
            none(arguments)?;
            answer(&state.options.app)
        }
        "get_status" => {
            none(arguments)?;
            answer(state.supervisor.state())
        }
        "get_status_view" => {
            none(arguments)?;
            answer(backend.feed.current())
        }
        "get_worker_status" => {
            none(arguments)?;
            let status = state
                .supervisor
                .request("status")
                .await
                .map_err(AppError::from)?;
            let status: gateway_proto::WorkerStatus =
                serde_json::from_value(status).map_err(|e| {
                    AppError::Internal(format!("the worker's status is not understood: {e}"))
                })?;
            answer(status)
        }
        "connect_gateway" => {
            none(arguments)?;
            answer(state.connect().await?)
        }
        "stop_session" => {
            none(arguments)?;
            state.supervisor.stop().await.map_err(AppError::from)?;
            answer(state.supervisor.state())
        }
        "reset_guardrail" => {
            none(arguments)?;
            backend.checklist.user_restarted();
            answer(state.reset_guardrail().await?)
        }
        "run_diagnose" => {
            none(arguments)?;
            answer(crate::diagnose::run(backend).await)
        }
        "scan_connections" => {
            none(arguments)?;
            answer(connections::scan(state.port()).await?)
        }
        "clean_connections" => {
            let Clean {
                confirmation,
                dry_run,
            } = args(name, arguments)?;
            let host = state
                .config
                .resolve()
                .config
                .map(|c| c.host())
                .unwrap_or_default();
            let request = CleanRequest {
                confirmation,
                dry_run,
            };
            answer(connections::clean(state.port(), &host, request).await?)
        }
        "get_client_ledger" => {
            none(arguments)?;
            answer(connections::ledger(state.port()).await?)
        }
        "get_client_id_holders" => {
            none(arguments)?;
            let client_id = state.refused_client_id();
            answer(connections::holders(state.port(), client_id).await?)
        }
        "get_gateway_presence" => {
            none(arguments)?;
            answer(state.presence.borrow().clone())
        }
        "get_config" => {
            none(arguments)?;
            answer(state.config_view())
        }
        "save_settings" => {
            let Changes { changes } = args(name, arguments)?;
            answer(state.save_settings(&changes).await?)
        }
        "reset_settings" => {
            none(arguments)?;
            answer(state.reset_settings().await?)
        }
        "reconnect_now" => {
            none(arguments)?;
            answer(state.reconnect_now().await?)
        }
        "use_another_client_id" => {
            none(arguments)?;
            answer(state.use_another_client_id().await?)
        }
        "import_trading_env" => {
            let EnvPath { path } = args(name, arguments)?;
            answer(state.import_trading_env(&path).await?)
        }
        "get_logs" => {
            let Limit { limit } = args(name, arguments)?;
            answer(state.logs.recent(limit))
        }
        "get_support_bundle" => {
            none(arguments)?;
            answer(crate::bundle::build(state).await)
        }
        "get_demo" => {
            none(arguments)?;
            answer(state.demo.status().await)
        }
        "start_demo" => {
            none(arguments)?;
            answer(state.start_demo().await?)
        }
        "stop_demo" => {
            none(arguments)?;
            answer(state.stop_demo().await?)
        }
        "set_demo_fault" => {
            let Fault { fault } = args(name, arguments)?;
            answer(state.set_demo_fault(fault).await?)
        }
        "get_restart_view" => {
            none(arguments)?;
            answer(restart::view(state, &backend.restarts))
        }
        "follow_manual_restart" => {
            none(arguments)?;
            answer(backend.checklist.follow(state))
        }
        "restart_gateway" => {
            let Confirmed { confirmed } = args(name, arguments)?;
            answer(restart::start(backend, confirmed, false)?)
        }
        "stop_gateway" => {
            let Confirmed { confirmed } = args(name, arguments)?;
            answer(restart::stop(state, confirmed).await?)
        }
        "reconnect_account" => {
            none(arguments)?;
            answer(restart::reconnect_account(state).await?)
        }
        "start_gateway" => {
            none(arguments)?;
            answer(restart::start_gateway(state)?)
        }
        other => Err(AppError::CommandNotUnderstood(format!(
            "there is no command called {other:?}"
        ))
        .into()),
    }
}
