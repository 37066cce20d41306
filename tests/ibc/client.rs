//! The command client against the simulated command server: replies, INFO lines, a prompt, and each way a
//! command can fail, with its code.

use std::time::Duration;

use gateway_core::ibc::{CommandServer, IbcCommand, IbcError, Reply, Timeouts, send};
use gateway_proto::IbcErrorCode;

use super::BOUND;
use crate::sim::ibc::{ibc_sim, ibc_sim_on};

fn quick() -> Timeouts {
    Timeouts {
        connect: BOUND,
        reply: Duration::from_millis(1500),
    }
}

#[tokio::test]
async fn ok_and_error_replies_are_typed() {
    let sim = ibc_sim(&[]);
    let server = CommandServer::loopback(sim.ibc().port());
    let exit = send(&server, IbcCommand::Exit, quick())
        .await
        .expect("answered");
    assert_eq!(exit.reply, Reply::Ok("Goodbye".into()));
    assert!(exit.info.is_empty());
    let enable = send(&server, IbcCommand::EnableApi, quick())
        .await
        .expect("answered");
    assert_eq!(
        enable.reply,
        Reply::Error("ENABLEAPI is not valid for the IB Gateway".into())
    );
    let data = send(&server, IbcCommand::ReconnectData, quick())
        .await
        .expect("answered");
    assert_eq!(data.reply, Reply::Ok(String::new()));
    let ibc = sim
        .wait_stats("three commands", BOUND, |s| s.ibc.reconnect_data == 1)
        .ibc;
    assert_eq!((ibc.connections, ibc.exit, ibc.enable_api), (3, 1, 1));
}

#[tokio::test]
async fn a_prompt_and_info_lines_are_read_past() {
    let sim = ibc_sim(&["--ibc-prompt", ">", "--ibc-info"]);
    let server = CommandServer {
        prompt: Some(">".into()),
        ..CommandServer::loopback(sim.ibc().port())
    };
    let exchange = send(&server, IbcCommand::Exit, quick())
        .await
        .expect("answered");
    assert_eq!(exchange.reply, Reply::Ok("Goodbye".into()));
    assert_eq!(exchange.info, ["IBC Command Server"]);
    assert_eq!(exchange.reply_line, "OK Goodbye");
}

#[tokio::test]
async fn nothing_listening_is_unreachable() {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        probe.local_addr().expect("addr").port()
    };
    let err = send(&CommandServer::loopback(port), IbcCommand::Exit, quick())
        .await
        .expect_err("nothing listens");
    assert_eq!(err.code(), IbcErrorCode::IbcUnreachable, "{err}");
    assert!(
        err.details().contains(&port.to_string()),
        "{}",
        err.details()
    );
}

#[tokio::test]
async fn a_connection_closed_unanswered_is_a_refusal() {
    // IBC bound to every address admits 127.0.0.1 but not ::1 (Java's loopback address is 127.0.0.1).
    let sim = ibc_sim_on("[::]:0", &[]);
    let server = CommandServer {
        host: "::1".into(),
        ..CommandServer::loopback(sim.ibc().port())
    };
    let err = send(&server, IbcCommand::Exit, quick())
        .await
        .expect_err("refused");
    assert!(matches!(err, IbcError::Refused { .. }), "{err:?}");
    assert_eq!(err.code(), IbcErrorCode::IbcRefused);
    assert!(err.to_string().contains("ControlFrom"), "{err}");
    sim.wait_stats("the refusal", BOUND, |s| s.ibc.refused == 1);
    // The same server from 127.0.0.1, which Gateway Doctor uses, is admitted.
    let ok = send(
        &CommandServer::loopback(sim.ibc().port()),
        IbcCommand::Exit,
        quick(),
    )
    .await
    .expect("admitted");
    assert_eq!(ok.reply, Reply::Ok("Goodbye".into()));
}

#[tokio::test]
async fn silence_is_a_timeout_and_garbage_a_bad_reply() {
    let silent = ibc_sim(&["--ibc-fault", "silent"]);
    let err = send(
        &CommandServer::loopback(silent.ibc().port()),
        IbcCommand::Restart,
        quick(),
    )
    .await
    .expect_err("no answer");
    assert_eq!(err.code(), IbcErrorCode::IbcTimeout, "{err:?}");
    assert_eq!(silent.stats().restarts, 0);

    let garbage = ibc_sim(&["--ibc-fault", "garbage"]);
    let err = send(
        &CommandServer::loopback(garbage.ibc().port()),
        IbcCommand::Exit,
        quick(),
    )
    .await
    .expect_err("not IBC");
    assert_eq!(err.code(), IbcErrorCode::IbcBadReply, "{err:?}");
    assert!(
        err.details().contains("400 Bad Request"),
        "{}",
        err.details()
    );
    let failure = err.to_failure();
    assert_eq!(failure.code, IbcErrorCode::IbcBadReply);
    assert!(
        !failure.message.contains("400"),
        "details stay out of the sentence: {}",
        failure.message
    );
}
