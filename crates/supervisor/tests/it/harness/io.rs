//! The two threads behind a sidecar connection: a writer that owns the
//! sidecar's stdin (so frames never interleave and nobody blocks on a full
//! pipe), and a reader that decodes events and acks output.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::process::{ChildStdin, ChildStdout};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};

use serde_json::json;

use super::events::Event;
use super::frame::{self, Decoded};

pub enum ToWriter {
    Bytes(Vec<u8>),
    /// Close the sidecar's stdin: "the host is gone".
    Close,
}

pub enum FromReader {
    Event(Event),
    /// The sidecar broke the framing; nothing after it can be trusted.
    Violation(String),
    Closed,
}

pub fn writer(mut stdin: ChildStdin, rx: Receiver<ToWriter>) {
    let mut broken = false;
    while let Ok(msg) = rx.recv() {
        match msg {
            // After EPIPE the sidecar is gone; later writes are dropped and
            // the tests notice through the missing answers.
            ToWriter::Bytes(b) if !broken => broken = stdin.write_all(&b).is_err(),
            ToWriter::Bytes(_) => {}
            ToWriter::Close => break,
        }
    }
}

/// Output acknowledgement. `ack.bytes` is read as the number of bytes
/// consumed since the previous ack for that child (a delta, like an HTTP/2
/// WINDOW_UPDATE). By default every output payload is acked on arrival;
/// a test may hold a child's acks to let its window fill.
#[derive(Default)]
pub struct Acks {
    held: HashSet<String>,
    pending: HashMap<String, u64>,
    /// Bytes received and not yet acked, per child, for the window check.
    unacked: HashMap<String, u64>,
}

impl Acks {
    pub fn hold(&mut self, id: &str) {
        self.held.insert(id.to_string());
    }

    /// Stops holding `id` and acks what was held back; returns the bytes.
    pub fn release(&mut self, id: &str, to_writer: &Sender<ToWriter>) -> u64 {
        self.held.remove(id);
        let n = self.pending.remove(id).unwrap_or(0);
        if n > 0 {
            send_ack(to_writer, id, n);
            self.unacked.insert(id.to_string(), 0);
        }
        n
    }

    pub fn unacked(&self, id: &str) -> u64 {
        self.unacked.get(id).copied().unwrap_or(0)
    }
}

fn send_ack(to_writer: &Sender<ToWriter>, id: &str, n: u64) {
    let f = frame::encode(&json!({"op": "ack", "id": id, "bytes": n}), &[]);
    let _ = to_writer.send(ToWriter::Bytes(f));
}

pub fn reader(
    mut stdout: ChildStdout,
    events: Sender<FromReader>,
    to_writer: Sender<ToWriter>,
    acks: Arc<Mutex<Acks>>,
) {
    // The window comes from `hello`; until then (and if hello lacks it) the
    // documented default applies.
    let mut window: u64 = 1 << 20;
    loop {
        let (header, payload) = match frame::decode(&mut stdout) {
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
