//! The one Rust protocol client. Written from `docs/reference/protocol.md` alone,
//! independently of the sidecar's own framing code, so a misreading on either
//! side shows up as a failing test rather than as two agreeing bugs.
//!
//! Two layers: the frame codec (`u32 BE header_len | u32 BE payload_len |
//! JSON header | payload`), and a `Connection` to one sidecar process: a
//! writer thread that owns its stdin (so frames never interleave and no test
//! blocks on a full pipe) and a reader thread that decodes events and acks
//! output. What a test does with the events (panic at once, or return an
//! error as the Windows harness does) is left to the caller.

use std::collections::{HashMap, HashSet};
use std::io::{self, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

// ---- frames ----------------------------------------------------------------

/// Bounds for frames *from* the sidecar. It announces 1 MiB / 16 MiB; a
/// larger frame means the stream is out of sync, not a big message.
pub const MAX_HEADER: u32 = 1 << 20;
pub const MAX_PAYLOAD: u32 = 16 << 20;

pub fn encode(header: &Value, payload: &[u8]) -> Vec<u8> {
    let h = serde_json::to_vec(header).expect("serialize header");
    encode_raw(&h, payload)
}

/// Any bytes as header: the bad-input tests send headers that are not JSON.
pub fn encode_raw(header: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + header.len() + payload.len());
    out.extend_from_slice(&(header.len() as u32).to_be_bytes());
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    out.extend_from_slice(header);
    out.extend_from_slice(payload);
    out
}

pub enum Decoded {
    Frame(Value, Vec<u8>),
    /// Clean EOF between frames.
    Eof,
}

/// Reads one frame. An EOF inside a frame, an oversized length or a header
/// that is not a JSON object is an error: the sidecar broke the protocol.
pub fn decode(r: &mut impl Read) -> io::Result<Decoded> {
    let mut prefix = [0u8; 8];
    let mut got = 0;
    while got < 8 {
        match r.read(&mut prefix[got..]) {
            Ok(0) if got == 0 => return Ok(Decoded::Eof),
            Ok(0) => return Err(bad(format!("EOF after {got} bytes of a frame prefix"))),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let header_len = u32::from_be_bytes(prefix[..4].try_into().unwrap());
    let payload_len = u32::from_be_bytes(prefix[4..].try_into().unwrap());
    if header_len > MAX_HEADER || payload_len > MAX_PAYLOAD {
        return Err(bad(format!("frame lengths out of bounds: header {header_len}, payload {payload_len}")));
    }
    let mut header = vec![0u8; header_len as usize];
    r.read_exact(&mut header).map_err(|e| bad(format!("header cut short: {e}")))?;
    let mut payload = vec![0u8; payload_len as usize];
    r.read_exact(&mut payload).map_err(|e| bad(format!("payload cut short: {e}")))?;
    let header: Value = serde_json::from_slice(&header).map_err(|e| {
        bad(format!("header is not JSON ({e}): {:?}", String::from_utf8_lossy(&header)))
    })?;
    if !header.is_object() {
        return Err(bad(format!("header is not a JSON object: {header}")));
    }
    Ok(Decoded::Frame(header, payload))
}

fn bad(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

// ---- events ----------------------------------------------------------------

#[derive(Clone, Debug)]
pub struct Event {
    pub header: Value,
    pub payload: Vec<u8>,
}

impl Event {
    pub fn name(&self) -> &str {
        self.header["event"].as_str().unwrap_or("")
    }
    pub fn id(&self) -> Option<&str> {
        self.header["id"].as_str()
    }
    pub fn req(&self) -> Option<u64> {
        self.header["req"].as_u64()
    }
    pub fn is(&self, name: &str, id: &str) -> bool {
        self.name() == name && self.id() == Some(id)
    }
    /// The header alone, for failure messages (payloads can be megabytes).
    pub fn brief(&self) -> String {
        if self.payload.is_empty() {
            self.header.to_string()
        } else {
            format!("{} + {} payload bytes", self.header, self.payload.len())
        }
    }
}

pub enum FromReader {
    Event(Event),
    /// The sidecar broke the framing or the credit window; nothing after it
    /// can be trusted.
    Violation(String),
    Closed,
}

// ---- the session -----------------------------------------------------------

enum ToWriter {
    Bytes(Vec<u8>),
    /// Close the sidecar's stdin: "the host is gone".
    Close,
}

/// Output acknowledgement. `ack.bytes` is read as the number of bytes
/// consumed since the previous ack for that child (a delta, like an HTTP/2
/// WINDOW_UPDATE). By default every output payload is acked on arrival, so
/// the credit window never stalls a test; a test may hold a child's acks to
/// let its window fill.
#[derive(Default)]
struct Acks {
    held: HashSet<String>,
    pending: HashMap<String, u64>,
    /// Bytes received and not yet acked, per child, for the window check.
    unacked: HashMap<String, u64>,
}

/// One running sidecar process spoken to over its stdin/stdout.
pub struct Connection {
    /// The sidecar process itself (our direct child): for its pid, `kill`
    /// and `wait`. Its stdin and stdout belong to the two threads.
    pub child: Child,
    to_writer: Sender<ToWriter>,
    from_reader: Receiver<FromReader>,
    acks: Arc<Mutex<Acks>>,
}

impl Connection {
    /// Starts `cmd` with stdin and stdout piped (stderr is the caller's
    /// choice) and the two threads behind it.
    pub fn start(cmd: &mut Command) -> io::Result<Connection> {
        let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
        let (to_writer, writer_rx) = mpsc::channel();
        let (events_tx, from_reader) = mpsc::channel();
        let acks = Arc::new(Mutex::new(Acks::default()));
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        std::thread::spawn(move || writer(stdin, writer_rx));
        let (tw, ak) = (to_writer.clone(), acks.clone());
        std::thread::spawn(move || reader(stdout, events_tx, tw, ak));
        Ok(Connection { child, to_writer, from_reader, acks })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Any bytes, as they are: the bad-input tests send broken frames.
    pub fn send_raw(&self, bytes: Vec<u8>) {
        let _ = self.to_writer.send(ToWriter::Bytes(bytes));
    }

    pub fn send(&self, header: &Value, payload: &[u8]) {
        self.send_raw(encode(header, payload));
    }

    /// Closes the sidecar's stdin: to the sidecar, the host is gone.
    pub fn close_stdin(&self) {
        let _ = self.to_writer.send(ToWriter::Close);
    }

    /// The next thing the reader has, waiting at most `timeout`.
    pub fn recv(&self, timeout: Duration) -> Result<FromReader, RecvTimeoutError> {
        self.from_reader.recv_timeout(timeout)
    }

    pub fn hold_acks(&self, id: &str) {
        self.acks.lock().unwrap().held.insert(id.to_string());
    }

    /// Stops holding `id` and acks what was held back; returns the bytes.
    pub fn release_acks(&self, id: &str) -> u64 {
        let mut a = self.acks.lock().unwrap();
        a.held.remove(id);
        let n = a.pending.remove(id).unwrap_or(0);
        if n > 0 {
            send_ack(&self.to_writer, id, n);
            a.unacked.insert(id.to_string(), 0);
        }
        n
    }

    pub fn unacked(&self, id: &str) -> u64 {
        self.acks.lock().unwrap().unacked.get(id).copied().unwrap_or(0)
    }
}

fn writer(mut stdin: ChildStdin, rx: Receiver<ToWriter>) {
    let mut broken = false;
    while let Ok(msg) = rx.recv() {
        match msg {
            // After EPIPE the sidecar is gone; later writes are dropped and
            // the tests notice through the missing answers.
            ToWriter::Bytes(b) if !broken => broken = stdin.write_all(&b).and_then(|()| stdin.flush()).is_err(),
            ToWriter::Bytes(_) => {}
            ToWriter::Close => break,
        }
    }
}

fn send_ack(to_writer: &Sender<ToWriter>, id: &str, n: u64) {
    let _ = to_writer.send(ToWriter::Bytes(encode(&json!({"op": "ack", "id": id, "bytes": n}), &[])));
}

fn reader(mut stdout: ChildStdout, events: Sender<FromReader>, to_writer: Sender<ToWriter>, acks: Arc<Mutex<Acks>>) {
    // The window comes from `hello`; until then (and if hello lacks it) the
    // documented default applies.
    let mut window: u64 = 1 << 20;
    loop {
        let (header, payload) = match decode(&mut stdout) {
            Ok(Decoded::Frame(h, p)) => (h, p),
            Ok(Decoded::Eof) => break,
            Err(e) => {
                let _ = events.send(FromReader::Violation(e.to_string()));
                break;
            }
        };
        if header["event"] == "hello" {
            window = header["limits"]["output_window"].as_u64().unwrap_or(window);
        }
        if header["event"] == "output" {
            if let Some(id) = header["id"].as_str() {
                let mut a = acks.lock().unwrap();
                let n = payload.len() as u64;
                let unacked = a.unacked.entry(id.to_string()).or_default();
                *unacked += n;
                // The doc bounds sent-but-unacked bytes by the window plus
                // one read buffer; twice the window is a clear breach.
                if *unacked > 2 * window {
                    let msg = format!("{id:?} has {unacked} unacked output bytes, window is {window}");
                    let _ = events.send(FromReader::Violation(msg));
                }
                if a.held.contains(id) {
                    *a.pending.entry(id.to_string()).or_default() += n;
                } else {
                    send_ack(&to_writer, id, n);
                    a.unacked.insert(id.to_string(), 0);
                }
            }
        }
        if events.send(FromReader::Event(Event { header, payload })).is_err() {
            return;
        }
    }
    let _ = events.send(FromReader::Closed);
}
