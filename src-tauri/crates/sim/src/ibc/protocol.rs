//! IBC's command-server line protocol as it answers on IB Gateway, with no I/O: a received line goes in,
//! the bytes to write and what the Gateway must do come out, so every reply is unit-tested.
//!
//! The rules, as IBC's command channel and dispatcher apply them: a line (its end of line removed) that is blank after trimming gets only the prompt again; otherwise the whole line (not trimmed)
//! is compared case-insensitively with STOP, RESTART, RECONNECTACCOUNT, RECONNECTDATA, ENABLEAPI and EXIT,
//! anything else is "ERROR Command invalid". Replies are lines `OK <text>`, `ERROR <text>` and, unless
//! info messages are suppressed (IBC's default), `INFO <text>`; after each command that leaves the
//! connection open the prompt (if any) is written without a newline. Texts are those of IBC 3.x on the
//! Gateway: RESTART answers `OK RESTART in progress` then, because the Gateway has no File > Restart menu,
//! `OK RESTART at <hh:mm AM>` (the auto-restart time it sets) and closes (IBC before 3.16 wrote `Restart
//! in progress` / `Restarting at`); STOP answers `OK Shutting down: STOP command` and closes; EXIT answers
//! `OK Goodbye` and closes; ENABLEAPI is `ERROR ENABLEAPI is not valid for the IB Gateway`. PAUSE (newer
//! IBC releases) is not simulated: it is answered as an invalid command, as older releases do.

/// A command line as IBC's dispatcher tells them apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IbcCommand {
    Stop,
    Restart,
    ReconnectAccount,
    ReconnectData,
    EnableApi,
    Exit,
    /// Anything else (kept for the log).
    Invalid(String),
}

impl IbcCommand {
    /// The command a received line names, or `None` for a blank line (answered with the prompt only).
    pub fn parse(line: &str) -> Option<IbcCommand> {
        if line.trim().is_empty() {
            return None;
        }
        let named = [
            ("STOP", IbcCommand::Stop),
            ("RESTART", IbcCommand::Restart),
            ("RECONNECTACCOUNT", IbcCommand::ReconnectAccount),
            ("RECONNECTDATA", IbcCommand::ReconnectData),
            ("ENABLEAPI", IbcCommand::EnableApi),
            ("EXIT", IbcCommand::Exit),
        ];
        // IBC compares the untrimmed line: "restart " is an invalid command there too.
        Some(
            named
                .into_iter()
                .find(|(name, _)| line.eq_ignore_ascii_case(name))
                .map_or_else(|| IbcCommand::Invalid(line.to_string()), |(_, c)| c),
        )
    }
}

/// What the simulated Gateway does after answering a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Nothing; the connection stays open.
    None,
    /// Close this connection (EXIT, or a refused RESTART/STOP).
    Close,
    /// Close this connection, then restart the Gateway.
    Restart,
    /// Close this connection, then stop the Gateway.
    Stop,
    /// The account link drops and comes back (notices 1100 then 1102 to live API sessions).
    ReconnectAccount,
    /// The market-data links are refreshed (no notice).
    ReconnectData,
}

/// How the command server is set up (IBC's CommandPrompt and SuppressInfoMessages).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Style {
    /// Written without a newline when a connection opens and after each command (empty: none).
    pub prompt: String,
    /// Send `INFO` lines (IBC's `SuppressInfoMessages=no`).
    pub info: bool,
}

/// The reply to one command: bytes to write, then the action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub bytes: String,
    pub action: Action,
}

impl Style {
    /// What a new connection gets first: `INFO IBC Command Server` and the prompt.
    pub fn greeting(&self) -> String {
        let mut out = String::new();
        self.info_line(&mut out, "IBC Command Server");
        out.push_str(&self.prompt);
        out
    }

    /// The answer to `command` (`None`: a blank line). `restart_at` is the auto-restart time RESTART reports
    /// (`hh:mm AM`); `busy` is true while a RESTART or STOP is already under way.
    pub fn answer(&self, command: Option<&IbcCommand>, restart_at: &str, busy: bool) -> Answer {
        let mut out = String::new();
        let action = match command {
            None => Action::None,
            Some(IbcCommand::Exit) => {
                line(&mut out, "OK Goodbye");
                return Answer {
                    bytes: out,
                    action: Action::Close,
                };
            }
            Some(IbcCommand::Restart) if busy => {
                line(&mut out, "ERROR RESTART already in progress");
                Action::Close
            }
            Some(IbcCommand::Stop) if busy => {
                line(&mut out, "ERROR STOP already in progress");
                Action::Close
            }
            Some(IbcCommand::Restart) => {
                self.info_line(&mut out, "Restarting TWS");
                line(&mut out, "OK RESTART in progress");
                line(&mut out, &format!("OK RESTART at {restart_at}"));
                Action::Restart
            }
            Some(IbcCommand::Stop) => {
                self.info_line(&mut out, "Closing IBC");
                line(&mut out, "OK Shutting down: STOP command");
                Action::Stop
            }
            Some(IbcCommand::ReconnectAccount) => {
                line(&mut out, "OK ");
                Action::ReconnectAccount
            }
            Some(IbcCommand::ReconnectData) => {
                line(&mut out, "OK ");
                Action::ReconnectData
            }
            Some(IbcCommand::EnableApi) => {
                line(&mut out, "ERROR ENABLEAPI is not valid for the IB Gateway");
                Action::None
            }
            Some(IbcCommand::Invalid(_)) => {
                line(&mut out, "ERROR Command invalid");
                Action::None
            }
        };
        if matches!(
            action,
            Action::None | Action::ReconnectAccount | Action::ReconnectData
        ) {
            out.push_str(&self.prompt);
        }
        Answer { bytes: out, action }
    }

    fn info_line(&self, out: &mut String, text: &str) {
        if self.info {
            line(out, &format!("INFO {text}"));
        }
    }
}

fn line(out: &mut String, text: &str) {
    out.push_str(text);
    out.push('\n');
}

/// Whether IBC's ControlFrom rule lets `peer` send commands: the address the server is bound to, 127.0.0.1
/// (IBC compares with Java's loopback address: not the rest of 127/8, and not ::1, so a client coming from
/// ::1 to a server bound to every address is refused), or an address listed in `control_from` (IBC splits
/// the setting on commas and compares each entry as written; host names are not resolved here).
pub fn permitted(peer: std::net::IpAddr, bound: std::net::IpAddr, control_from: &[String]) -> bool {
    use std::net::{IpAddr, Ipv4Addr};
    // Java shows an IPv4 client of a dual-stack server as plain IPv4.
    let unmapped = |ip: IpAddr| match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    let peer = unmapped(peer);
    peer == unmapped(bound)
        || peer == IpAddr::V4(Ipv4Addr::LOCALHOST)
        || control_from.iter().any(|a| *a == peer.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn commands_are_case_insensitive_whole_lines_and_blanks_are_not_commands() {
        assert_eq!(IbcCommand::parse("restart"), Some(IbcCommand::Restart));
        assert_eq!(IbcCommand::parse("ReStArT"), Some(IbcCommand::Restart));
        assert_eq!(IbcCommand::parse("STOP"), Some(IbcCommand::Stop));
        assert_eq!(
            IbcCommand::parse("reconnectaccount"),
            Some(IbcCommand::ReconnectAccount)
        );
        assert_eq!(
            IbcCommand::parse("RECONNECTDATA"),
            Some(IbcCommand::ReconnectData)
        );
        assert_eq!(IbcCommand::parse("enableapi"), Some(IbcCommand::EnableApi));
        assert_eq!(IbcCommand::parse("Exit"), Some(IbcCommand::Exit));
        assert_eq!(
            IbcCommand::parse("RESTART "),
            Some(IbcCommand::Invalid("RESTART ".into()))
        );
        assert_eq!(
            IbcCommand::parse("PAUSE"),
            Some(IbcCommand::Invalid("PAUSE".into()))
        );
        assert_eq!(IbcCommand::parse(""), None);
        assert_eq!(IbcCommand::parse("  \t"), None);
    }

    #[test]
    fn replies_are_ok_error_and_info_lines_then_the_prompt() {
        let quiet = Style::default();
        let chatty = Style {
            prompt: "> ".into(),
            info: true,
        };
        assert_eq!(quiet.greeting(), "");
        assert_eq!(chatty.greeting(), "INFO IBC Command Server\n> ");
        let answer = |style: &Style, line: &str| {
            style.answer(IbcCommand::parse(line).as_ref(), "09:05 PM", false)
        };
        let expect = |bytes: &str, action| Answer {
            bytes: bytes.into(),
            action,
        };
        assert_eq!(
            answer(&quiet, "exit"),
            expect("OK Goodbye\n", Action::Close)
        );
        assert_eq!(
            answer(&chatty, "exit").bytes,
            "OK Goodbye\n",
            "no prompt after EXIT"
        );
        assert_eq!(
            answer(&quiet, "hello"),
            expect("ERROR Command invalid\n", Action::None)
        );
        assert_eq!(answer(&chatty, "hello").bytes, "ERROR Command invalid\n> ");
        assert_eq!(
            answer(&quiet, "ENABLEAPI").bytes,
            "ERROR ENABLEAPI is not valid for the IB Gateway\n"
        );
        assert_eq!(
            answer(&chatty, "restart"),
            expect(
                "INFO Restarting TWS\nOK RESTART in progress\nOK RESTART at 09:05 PM\n",
                Action::Restart
            )
        );
        assert_eq!(
            answer(&quiet, "stop"),
            expect("OK Shutting down: STOP command\n", Action::Stop)
        );
        assert_eq!(
            answer(&chatty, "reconnectaccount"),
            expect("OK \n> ", Action::ReconnectAccount)
        );
        assert_eq!(
            answer(&quiet, "reconnectdata").action,
            Action::ReconnectData
        );
        assert_eq!(chatty.answer(None, "", false).bytes, "> ", "blank line");
    }

    #[test]
    fn a_second_restart_or_stop_while_one_is_under_way_is_refused_and_closed() {
        let style = Style::default();
        for (line, text) in [
            ("RESTART", "ERROR RESTART already in progress\n"),
            ("STOP", "ERROR STOP already in progress\n"),
        ] {
            let answer = style.answer(IbcCommand::parse(line).as_ref(), "09:05 PM", true);
            assert_eq!(answer.bytes, text);
            assert_eq!(answer.action, Action::Close);
        }
    }

    #[test]
    fn control_from_admits_loopback_the_bound_address_and_listed_ones_only() {
        let wildcard = ip("0.0.0.0");
        assert!(permitted(ip("127.0.0.1"), wildcard, &[]));
        assert!(permitted(ip("::ffff:127.0.0.1"), ip("::"), &[]));
        assert!(
            !permitted(ip("::1"), ip("::"), &[]),
            "Java's loopback address is 127.0.0.1 only"
        );
        assert!(permitted(ip("::1"), ip("::1"), &[]), "the bound address");
        assert!(
            !permitted(ip("127.0.0.2"), wildcard, &[]),
            "IBC admits 127.0.0.1, not all of 127/8"
        );
        assert!(permitted(ip("127.0.0.2"), ip("127.0.0.2"), &[]));
        assert!(permitted(
            ip("192.168.1.7"),
            wildcard,
            &["10.0.0.1".into(), "192.168.1.7".into()]
        ));
        assert!(
            !permitted(ip("192.168.1.7"), wildcard, &[" 192.168.1.7".into()]),
            "entries are compared as written"
        );
    }
}
