//! A second API client for the 326 fault: raw TWS API bytes over a blocking socket (the text dialect an
//! older client such as ib_async speaks), so the test controls exactly when it holds a client id and when
//! it lets go. It sends `API\0`, a version offer, START_API with the id, and reads until nextValidId (it
//! holds the id) or error 326 (someone else does).

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::Duration;

use gateway_sim::frame::{API_PREFIX, length_prefixed};

/// Longest frame this client reads (the Gateway's own bound is 16 MiB; the simulator sends tiny ones).
const MAX_FRAME: usize = 1 << 20;

/// A live API session holding a client id.
pub struct Holder {
    stream: TcpStream,
    pub local: SocketAddr,
}

/// How the attempt to take a client id ended.
pub enum Outcome {
    Holding(Holder),
    /// Error 326: the id was in use; the Gateway closed the connection.
    InUse {
        local: SocketAddr,
    },
}

/// Takes `client_id`, which nobody else may hold: panics otherwise.
pub fn hold_client_id(addr: SocketAddr, client_id: i32, within: Duration) -> Holder {
    match take_client_id(addr, client_id, within).expect("the holder connects") {
        Outcome::Holding(holder) => holder,
        Outcome::InUse { .. } => panic!("nobody else holds id {client_id}"),
    }
}

/// Connects to `addr` and starts an API session as `client_id`.
pub fn take_client_id(
    addr: SocketAddr,
    client_id: i32,
    within: Duration,
) -> std::io::Result<Outcome> {
    let mut stream = TcpStream::connect_timeout(&addr, within)?;
    stream.set_read_timeout(Some(within))?;
    stream.set_nodelay(true)?;
    let local = stream.local_addr()?;
    let mut hello = API_PREFIX.to_vec();
    hello.extend(length_prefixed(b"v157..178"));
    stream.write_all(&hello)?;
    let reply = read_frame(&mut stream)?;
    let version = fields(&reply).first().cloned().unwrap_or_default();
    if version.parse::<i32>().is_err() {
        return Err(std::io::Error::other(format!(
            "not a version reply: {reply:?}"
        )));
    }
    stream.write_all(&length_prefixed(
        format!("71\x002\x00{client_id}\x00\x00").as_bytes(),
    ))?;
    loop {
        let frame = read_frame(&mut stream)?;
        let fields = fields(&frame);
        match (
            fields.first().map(String::as_str),
            fields.get(3).map(String::as_str),
        ) {
            (Some("9"), _) => return Ok(Outcome::Holding(Holder { stream, local })),
            (Some("4"), Some("326")) => {
                let _ = stream.shutdown(Shutdown::Write);
                drain(&mut stream);
                return Ok(Outcome::InUse { local });
            }
            _ => {}
        }
    }
}

impl Holder {
    /// Ends the session the way a client does: FIN, then read what the Gateway still sends until it closes.
    pub fn close(mut self) {
        let _ = self.stream.shutdown(Shutdown::Write);
        drain(&mut self.stream);
    }
}

fn read_frame(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len)?;
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(std::io::Error::other(format!("frame of {len} bytes")));
    }
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body)?;
    Ok(body)
}

fn fields(frame: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(frame)
        .split_terminator('\0')
        .map(str::to_string)
        .collect()
}

/// Reads until the peer closes (or the read timeout passes).
fn drain(stream: &mut TcpStream) {
    let mut sink = [0u8; 4096];
    while stream.read(&mut sink).is_ok_and(|n| n > 0) {}
}
