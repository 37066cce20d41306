//! The other commands to IBC and the Gateway: "Reconnect the Gateway's account link", "Start IB Gateway",
//! "Stop IB Gateway", each logged.

use gateway_core::ibc::{self, CommandServer, IbcCommand, IbcError, Timeouts};
use gateway_proto::Level;

use super::finding::find_for;
use super::screen::start_offer;
use super::{RestartError, gateway, record};
use crate::error::AppError;
use crate::restart_start;
use crate::state::AppState;

/// "Reconnect the Gateway's account link": RECONNECTACCOUNT to IBC (after a long loss of the Gateway's link
/// to IBKR). No restart, no new login: IB Gateway reconnects to IBKR's servers. Returns IBC's reply.
pub async fn reconnect_account(state: &AppState) -> Result<String, RestartError> {
    send_logged(state, IbcCommand::ReconnectAccount).await
}

/// Sends one command to IBC's command server, with what was sent and IBC's reply in the log; IBC's ERROR
/// is an error.
async fn send_logged(state: &AppState, command: IbcCommand) -> Result<String, RestartError> {
    let (_, config) = find_for(state);
    let config = config.ok_or_else(|| {
        RestartError::NotFound("no IBC settings file (config.ini) was found".into())
    })?;
    let server = CommandServer::from_config(&config)?;
    let word = command.word();
    record(
        state,
        Level::Info,
        format!(
            "sending {word} to IBC's command server at {}",
            server.address()
        ),
    );
    let exchange = match ibc::send(&server, command, Timeouts::default()).await {
        Ok(exchange) => exchange,
        Err(err) => {
            record(
                state,
                Level::Error,
                format!("{word} through IBC failed: {err} ({})", err.details()),
            );
            return Err(err.into());
        }
    };
    record(
        state,
        Level::Info,
        format!("IBC answered {word} with {:?}", exchange.reply_line),
    );
    match exchange.reply {
        ibc::Reply::Ok(_) => Ok(exchange.reply_line),
        ibc::Reply::Error(text) => Err(RestartError::Ibc(IbcError::CommandFailed {
            server: server.address(),
            command: word,
            text,
        })),
    }
}

/// Starts IB Gateway when the view offers it (checked again now), and logs it.
pub fn start_gateway(state: &AppState) -> Result<String, RestartError> {
    let (_, port) = gateway(state);
    let install = start_offer(state, port).ok_or_else(|| {
        RestartError::CannotStart(format!(
            "IB Gateway was not started: it is running already (or something listens on port {port}), or \
             no installation was found in its usual places"
        ))
    })?;
    let pid = restart_start::launch(std::path::Path::new(&install.path)).map_err(|err| {
        record(
            state,
            Level::Error,
            format!("starting IB Gateway with {} failed: {err}", install.path),
        );
        RestartError::CannotStart(format!(
            "IB Gateway could not be started from {}: {err}",
            install.path
        ))
    })?;
    record(
        state,
        Level::Info,
        format!(
            "started IB Gateway with {} (pid {pid}){}",
            install.path,
            if install.via_ibc {
                ", IBC's start script"
            } else {
                ""
            }
        ),
    );
    Ok(if install.via_ibc {
        "IB Gateway is starting through IBC. It logs in by itself; approve the 2FA on your phone if asked.".into()
    } else {
        "IB Gateway is starting. Log in, and approve the 2FA on your phone.".into()
    })
}

/// "Stop IB Gateway": STOP to IBC (after the trader confirmed), and the session stopped so it does not
/// retry against a Gateway that is gone on purpose. Returns IBC's reply.
pub async fn stop(state: &AppState, confirmed: bool) -> Result<String, RestartError> {
    if !confirmed {
        return Err(RestartError::ConfirmationRequired(
            "Stop IB Gateway? It closes and stays closed until you start it again (then it asks for a login \
             and a 2FA approval on your phone)."
                .into(),
        ));
    }
    let reply = send_logged(state, IbcCommand::Stop).await?;
    state.supervisor.stop().await.map_err(AppError::from)?;
    Ok(reply)
}
