//! The keeper's desktop parts alone on the session bus (the tray, notifications), driven by lines on stdin:
//! for the tests (crates/keeper/tests, tests/e2e/test_keeper_tray.py) and for measuring what the tray costs
//! a process.
//!
//! stdin, one command a line: `look <rrggbb> <connect|stop> <title...>` shows that look; `notify <title>|
//! <body>` shows a notification; `notify_timeout <ms>` sets how long a notification may take (5 s unless
//! set). End of input takes the tray off the bus and exits.
//! stdout: `ready` once the tray is on the bus; `repainted <true|false>` after each look; `notified` or
//! `notify_error <code> <why>` after each notification; `action <open|toggle_session|diagnose|quit>` for
//! each click; `error <what>` for a line it cannot read.

use std::process::ExitCode;

#[cfg(target_os = "linux")]
fn main() -> ExitCode {
    linux::main()
}

#[cfg(not(target_os = "linux"))]
fn main() -> ExitCode {
    eprintln!("the keeper's tray probe is for Linux (a StatusNotifierItem over D-Bus)");
    ExitCode::FAILURE
}

#[cfg(target_os = "linux")]
mod linux {
    use std::process::ExitCode;
    use std::time::Duration;

    use gateway_doctor_keeper::notify::Notifier;
    use gateway_doctor_keeper::tray::{SessionItem, Tray, TrayAction, TrayLook};
    use tokio::io::{AsyncBufReadExt, BufReader};

    const GREY: [u8; 3] = [0x8c, 0x95, 0x9f];

    #[tokio::main(flavor = "current_thread")]
    pub async fn main() -> ExitCode {
        let look = TrayLook::new(GREY, "Not connected", SessionItem::Connect);
        let (mut tray, mut clicks) = match Tray::spawn(look).await {
            Ok(spawned) => spawned,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        };
        let mut notifier = Notifier::default();
        println!("ready");
        let mut lines = BufReader::new(tokio::io::stdin()).lines();
        loop {
            tokio::select! {
                line = lines.next_line() => match line {
                    Ok(Some(line)) if line.starts_with("notify ") => notify(&notifier, &line["notify ".len()..]).await,
                    Ok(Some(line)) if line.starts_with("notify_timeout ") => {
                        match line["notify_timeout ".len()..].parse() {
                            Ok(ms) => {
                                notifier = Notifier::with_timeout(Duration::from_millis(ms));
                                println!("notify_timeout {ms}");
                            }
                            Err(e) => println!("error notify_timeout: {e}"),
                        }
                    }
                    Ok(Some(line)) => match parse_look(&line) {
                        Ok(look) => match tray.update(look).await {
                            Ok(repainted) => println!("repainted {repainted}"),
                            Err(e) => println!("error {e}"),
                        },
                        Err(e) => println!("error {e}"),
                    },
                    Ok(None) | Err(_) => break,
                },
                Some(action) = clicks.recv() => println!("action {}", name(action)),
            }
        }
        tray.shutdown().await;
        ExitCode::SUCCESS
    }

    async fn notify(notifier: &Notifier, text: &str) {
        let (title, body) = text.split_once('|').unwrap_or((text, ""));
        match notifier.show(title, body).await {
            Ok(()) => println!("notified"),
            Err(e) => println!("notify_error {:?} {e}", e.code()),
        }
    }

    fn name(action: TrayAction) -> &'static str {
        match action {
            TrayAction::Open => "open",
            TrayAction::ToggleSession => "toggle_session",
            TrayAction::Diagnose => "diagnose",
            TrayAction::Quit => "quit",
        }
    }

    fn parse_look(line: &str) -> Result<TrayLook, String> {
        let mut words = line.splitn(4, ' ');
        if words.next() != Some("look") {
            return Err(format!("not a look command: {line:?}"));
        }
        let colour = words.next().unwrap_or_default();
        let rgb = u32::from_str_radix(colour, 16)
            .ok()
            .filter(|_| colour.len() == 6)
            .map(|n| [(n >> 16) as u8, (n >> 8) as u8, n as u8])
            .ok_or_else(|| format!("not an rrggbb colour: {colour:?}"))?;
        let session = match words.next() {
            Some("connect") => SessionItem::Connect,
            Some("stop") => SessionItem::Stop,
            other => return Err(format!("not connect or stop: {other:?}")),
        };
        let title = words.next().unwrap_or_default();
        Ok(TrayLook::new(rgb, title, session))
    }
}
