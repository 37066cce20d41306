//! The CLI's side of the local link (gateway-core's `local_link`): ask the open Gateway Doctor app about
//! its one session, so `diagnose` tests the API through it instead of connecting by itself. The directory
//! and the socket must be this user's (the server checks our uid too). Without Unix sockets (Windows) there
//! is no link: the answer is always "no app".

use std::time::Duration;

#[cfg(unix)]
use gateway_core::local_link::LinkSession;

/// What the app said, if one is open.
#[derive(Debug)]
pub enum AppAnswer {
    /// No app answers on this user's link (nothing there, or a stale socket).
    NoApp,
    #[cfg(unix)]
    Session(Box<LinkSession>),
    /// Something is there but cannot be trusted or read, or (Windows) there is no link; diagnose goes on as
    /// if no app were open, and says why.
    Unusable(String),
}

/// Asks the open app for its session; `connect` asks it to connect (and keep) the session if it is not up.
/// Waits at most `bound` for the answer.
#[cfg(unix)]
pub fn ask_app(connect: bool, bound: Duration) -> AppAnswer {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::os::unix::net::UnixStream;

    use gateway_core::local_link::{
        LinkReply, LinkRequest, ONE_SHOT_VERSION, check_private_dir, check_socket_file, link_dir,
        socket_path,
    };

    let dir = link_dir();
    let path = socket_path();
    if std::fs::symlink_metadata(&path).is_err() {
        return AppAnswer::NoApp;
    }
    if let Err(e) = check_private_dir(&dir).and_then(|()| check_socket_file(&path)) {
        return AppAnswer::Unusable(e.to_string());
    }
    let mut stream = match UnixStream::connect(&path) {
        Ok(stream) => stream,
        // A socket file with nobody behind it: an app that did not exit cleanly.
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => return AppAnswer::NoApp,
        Err(e) => return AppAnswer::Unusable(format!("cannot reach the app: {e}")),
    };
    let request = LinkRequest {
        v: ONE_SHOT_VERSION,
        connect,
    };
    let sent = serde_json::to_string(&request)
        .map_err(std::io::Error::other)
        .and_then(|line| {
            stream.set_read_timeout(Some(bound))?;
            stream.set_write_timeout(Some(bound))?;
            stream.write_all(format!("{line}\n").as_bytes())
        });
    if let Err(e) = sent {
        return AppAnswer::Unusable(format!("cannot ask the app: {e}"));
    }
    let mut line = String::new();
    // One reply line; a status is a few KiB, so 1 MiB is a generous limit.
    let mut reader = BufReader::new(stream.take(1 << 20));
    if let Err(e) = reader.read_line(&mut line) {
        return AppAnswer::Unusable(format!(
            "the app did not answer within {} s: {e}",
            bound.as_secs()
        ));
    }
    match serde_json::from_str::<LinkReply>(line.trim()) {
        Ok(LinkReply {
            v: ONE_SHOT_VERSION,
            session: Some(session),
            ..
        }) => AppAnswer::Session(Box::new(session)),
        Ok(reply) => AppAnswer::Unusable(
            reply
                .error
                .unwrap_or_else(|| format!("the app speaks link version {}", reply.v)),
        ),
        Err(e) => AppAnswer::Unusable(format!("the app's answer cannot be read: {e}")),
    }
}

/// No link on this platform: said, so a trader who has the app open knows why this run tests on its own.
#[cfg(not(unix))]
pub fn ask_app(_connect: bool, _bound: Duration) -> AppAnswer {
    match gateway_core::local_link::UNAVAILABLE {
        Some(why) => AppAnswer::Unusable(why.to_string()),
        None => AppAnswer::NoApp,
    }
}
