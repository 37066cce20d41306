//! A client of IBC's command server: one connection, one command, one typed reply.
//!
//! It connects within a bounded time (loopback unless IBC listens on one other address only), sends the
//! command line at once, then reads lines until the reply: `INFO <text>` lines are kept aside, a prompt
//! (IBC's CommandPrompt, written without a newline on connect in older releases and after each command) is
//! stripped where it starts a line, and the first `OK <text>` or `ERROR <text>` line is the reply; anything
//! else is a bad reply. The whole exchange has one deadline. IBC closes a connection from an address its
//! ControlFrom setting does not allow without writing a byte, so a close before any byte is a refusal.
//! The connection is then closed (IBC ends its side when its reader sees the close; RESTART and STOP close
//! it from IBC's side anyway).

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::config::{IbcConfig, host_port};
use super::error::IbcError;

/// The commands IBC's command server takes (PAUSE, in newer IBC releases, is left out on purpose: it ends
/// the Gateway like STOP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IbcCommand {
    Stop,
    Restart,
    ReconnectAccount,
    ReconnectData,
    /// Valid for TWS only: IB Gateway answers ERROR.
    EnableApi,
    Exit,
}

impl IbcCommand {
    /// The line as sent (IBC compares case-insensitively; upper case is what its scripts send).
    pub fn word(self) -> &'static str {
        match self {
            IbcCommand::Stop => "STOP",
            IbcCommand::Restart => "RESTART",
            IbcCommand::ReconnectAccount => "RECONNECTACCOUNT",
            IbcCommand::ReconnectData => "RECONNECTDATA",
            IbcCommand::EnableApi => "ENABLEAPI",
            IbcCommand::Exit => "EXIT",
        }
    }
}

/// IBC's answer to a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `OK <text>`.
    Ok(String),
    /// `ERROR <text>`.
    Error(String),
}

/// A reply and the INFO lines that came before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    pub reply: Reply,
    pub info: Vec<String>,
    /// The reply line as received (prompt stripped).
    pub reply_line: String,
}

/// Where IBC's command server is, and the prompt it writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandServer {
    pub host: String,
    pub port: u16,
    /// IBC's CommandPrompt (None: no prompt).
    pub prompt: Option<String>,
}

impl CommandServer {
    /// A command server on this computer at `port` without a prompt.
    pub fn loopback(port: u16) -> CommandServer {
        CommandServer {
            host: "127.0.0.1".into(),
            port,
            prompt: None,
        }
    }

    /// The command server config.ini describes; an error when IBC does not start one.
    pub fn from_config(config: &IbcConfig) -> Result<CommandServer, IbcError> {
        let port = config.command_server_port().ok_or_else(|| IbcError::NotConfigured {
            why: format!(
                "CommandServerPort is not set in {} (IBC starts its command server only when it is, \
                 for example CommandServerPort=7462)",
                config.path.display()
            ),
        })?;
        Ok(CommandServer {
            host: config.command_server_host(),
            port,
            prompt: config.command_prompt.as_ref().map(|f| f.value.clone()),
        })
    }

    /// `host:port`.
    pub fn address(&self) -> String {
        host_port(&self.host, self.port)
    }
}

/// How long a command may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// To open the connection.
    pub connect: Duration,
    /// From sending the command to the end of the reply line.
    pub reply: Duration,
}

impl Default for Timeouts {
    /// On this computer a connection opens at once or never; IBC answers RESTART after running a task on
    /// the Gateway's window thread, which can take a few seconds on a busy Gateway.
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(3),
            reply: Duration::from_secs(15),
        }
    }
}

/// Longest answer read before giving up on it: IBC's replies are a few short lines.
const MAX_REPLY: usize = 16 * 1024;

/// Sends `command` and returns IBC's reply.
pub async fn send(
    server: &CommandServer,
    command: IbcCommand,
    timeouts: Timeouts,
) -> Result<Exchange, IbcError> {
    let address = server.address();
    let unreachable = |source| IbcError::Unreachable {
        server: address.clone(),
        source,
    };
    let targets: Vec<SocketAddr> = tokio::time::timeout(
        timeouts.connect,
        tokio::net::lookup_host((server.host.as_str(), server.port)),
    )
    .await
    .map_err(|_| unreachable(std::io::Error::from(std::io::ErrorKind::TimedOut)))?
    .map_err(unreachable)?
    .collect();
    let first = targets.first().copied().ok_or_else(|| {
        unreachable(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "the host name has no address",
        ))
    })?;
    let mut stream = tokio::time::timeout(timeouts.connect, TcpStream::connect(first))
        .await
        .map_err(|_| unreachable(std::io::Error::from(std::io::ErrorKind::TimedOut)))?
        .map_err(unreachable)?;
    tracing::info!(server = %address, command = command.word(), "sending a command to IBC");
    let mut reader = ReplyReader::new(server.prompt.clone());
    let exchange = tokio::time::timeout(timeouts.reply, async {
        // A refused connection may already be closed: a failed write is judged by what was read.
        let _ = stream
            .write_all(format!("{}\r\n", command.word()).as_bytes())
            .await;
        let mut buf = [0u8; 1024];
        loop {
            let n = match stream.read(&mut buf).await {
                Ok(n) => n,
                Err(err) if reader.received.is_empty() => {
                    tracing::info!(server = %address, "IBC closed the connection: {err}");
                    0
                }
                Err(err) => {
                    return Err(IbcError::BadReply {
                        server: address.clone(),
                        received: format!("{} (then: {err})", reader.received_text()),
                    });
                }
            };
            if n == 0 {
                return Err(if reader.received.is_empty() {
                    IbcError::Refused {
                        server: address.clone(),
                    }
                } else {
                    IbcError::BadReply {
                        server: address.clone(),
                        received: format!(
                            "{} (then the connection closed)",
                            reader.received_text()
                        ),
                    }
                });
            }
            match reader.feed(&buf[..n]) {
                Step::More => {}
                Step::Done(exchange) => return Ok(exchange),
                Step::Bad => {
                    return Err(IbcError::BadReply {
                        server: address.clone(),
                        received: reader.received_text(),
                    });
                }
            }
        }
    })
    .await
    .map_err(|_| IbcError::Timeout {
        server: address.clone(),
        waited: timeouts.reply,
        received: reader.received_text(),
    })??;
    tracing::info!(server = %address, command = command.word(), reply = %exchange.reply_line, "IBC answered");
    Ok(exchange)
}

/// Where reading the reply stands after some bytes.
enum Step {
    More,
    Done(Exchange),
    Bad,
}

/// Splits received bytes into lines and finds the reply.
struct ReplyReader {
    prompt: Option<String>,
    received: Vec<u8>,
    consumed: usize,
    info: Vec<String>,
}

impl ReplyReader {
    fn new(prompt: Option<String>) -> ReplyReader {
        ReplyReader {
            prompt: prompt.filter(|p| !p.is_empty()),
            received: Vec::new(),
            consumed: 0,
            info: Vec::new(),
        }
    }

    fn received_text(&self) -> String {
        String::from_utf8_lossy(&self.received).into_owned()
    }

    fn feed(&mut self, bytes: &[u8]) -> Step {
        self.received.extend_from_slice(bytes);
        while let Some(end) = self.received[self.consumed..]
            .iter()
            .position(|&b| b == b'\n')
        {
            let raw = &self.received[self.consumed..self.consumed + end];
            self.consumed += end + 1;
            let text = String::from_utf8_lossy(raw);
            let mut line = text.strip_suffix('\r').unwrap_or(&text);
            if let Some(prompt) = &self.prompt {
                while let Some(rest) = line.strip_prefix(prompt.as_str()) {
                    line = rest;
                }
            }
            match classify(line) {
                Some(Line::Info(text)) => self.info.push(text),
                Some(Line::Reply(reply)) => {
                    return Step::Done(Exchange {
                        reply,
                        info: std::mem::take(&mut self.info),
                        reply_line: line.to_string(),
                    });
                }
                // IBC writes no empty lines; one is harmless.
                None if line.is_empty() => {}
                None => return Step::Bad,
            }
        }
        if self.received.len() > MAX_REPLY {
            Step::Bad
        } else {
            Step::More
        }
    }
}

enum Line {
    Info(String),
    Reply(Reply),
}

/// `OK x`, `ERROR x` and `INFO x` (the text may be empty: RECONNECTACCOUNT answers `OK `).
fn classify(line: &str) -> Option<Line> {
    let word = |name: &str| -> Option<String> {
        let rest = line.strip_prefix(name)?;
        if rest.is_empty() {
            Some(String::new())
        } else {
            rest.strip_prefix(' ').map(str::to_string)
        }
    };
    if let Some(text) = word("OK") {
        Some(Line::Reply(Reply::Ok(text)))
    } else if let Some(text) = word("ERROR") {
        Some(Line::Reply(Reply::Error(text)))
    } else {
        word("INFO").map(Line::Info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(prompt: Option<&str>, chunks: &[&[u8]]) -> Result<Exchange, &'static str> {
        let mut reader = ReplyReader::new(prompt.map(str::to_string));
        for chunk in chunks {
            match reader.feed(chunk) {
                Step::More => {}
                Step::Done(exchange) => return Ok(exchange),
                Step::Bad => return Err("bad"),
            }
        }
        Err("more")
    }

    #[test]
    fn the_first_ok_or_error_line_is_the_reply_and_info_lines_are_kept() {
        let exchange = read(
            None,
            &[b"INFO IBC Command Server\nINFO Restarting TWS\nOK RESTART in progress\nOK RESTART at 09:05 PM\n"],
        )
        .expect("reply");
        assert_eq!(exchange.reply, Reply::Ok("RESTART in progress".into()));
        assert_eq!(exchange.info, ["IBC Command Server", "Restarting TWS"]);
        assert_eq!(
            read(None, &[b"ERROR Command invalid\r\n"])
                .expect("reply")
                .reply,
            Reply::Error("Command invalid".into()),
            "Windows line ends"
        );
        assert_eq!(
            read(None, &[b"OK \n"]).expect("reply").reply,
            Reply::Ok(String::new())
        );
        assert_eq!(
            read(None, &[b"OK\n"]).expect("reply").reply,
            Reply::Ok(String::new())
        );
    }

    #[test]
    fn replies_split_across_reads_and_a_prompt_before_them() {
        let exchange = read(
            Some(">"),
            &[b"INFO IBC Com", b"mand Server\n>", b"OK Goo", b"dbye\n"],
        )
        .expect("reply");
        assert_eq!(exchange.reply, Reply::Ok("Goodbye".into()));
        assert_eq!(exchange.reply_line, "OK Goodbye");
        assert_eq!(read(Some(">"), &[b"OK"]), Err("more"), "no line end yet");
    }

    #[test]
    fn anything_else_is_a_bad_reply() {
        assert_eq!(read(None, &[b"HTTP/1.1 400 Bad Request\r\n"]), Err("bad"));
        assert_eq!(read(None, &[b"OKAY\n"]), Err("bad"));
        assert_eq!(
            read(None, &[b">OK x\n"]),
            Err("bad"),
            "a prompt nobody told us about"
        );
        assert_eq!(
            read(None, &[&[b'x'; MAX_REPLY + 1]]),
            Err("bad"),
            "no line end ever"
        );
    }
}
