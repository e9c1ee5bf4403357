//! A small synchronous protocol client: starts the sidecar, writes request
//! frames, and collects every event (a reader thread acks output at once, so
//! the credit window never stalls a test).

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub struct Event {
    pub header: Value,
    pub payload: Vec<u8>,
}

pub struct Sidecar {
    child: Child,
    stdin: Arc<Mutex<Option<ChildStdin>>>,
    events: Receiver<Event>,
    seen: Vec<Event>,
    log: Arc<Mutex<String>>,
    pub hello: Value,
    next_req: u64,
}

fn frame(header: &Value, payload: &[u8]) -> Vec<u8> {
    let h = serde_json::to_vec(header).expect("json");
    let mut out = Vec::with_capacity(8 + h.len() + payload.len());
    out.extend((h.len() as u32).to_be_bytes());
    out.extend((payload.len() as u32).to_be_bytes());
    out.extend(h);
    out.extend(payload);
    out
}

impl Sidecar {
    pub fn start(exe: &Path) -> Result<Sidecar, String> {
        let mut child = Command::new(exe)
            .env("PAWWORK_SUPERVISOR_LOG", "info")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the sidecar {}: {e}", exe.display()))?;
        let stdin = Arc::new(Mutex::new(child.stdin.take()));
        let mut stdout = child.stdout.take().expect("piped");
        let mut stderr = child.stderr.take().expect("piped");
        let log = Arc::new(Mutex::new(String::new()));
        let log2 = log.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                log2.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let (tx, rx) = channel();
        let acker = stdin.clone();
        std::thread::spawn(move || loop {
            let mut lens = [0u8; 8];
            if stdout.read_exact(&mut lens).is_err() {
                return;
            }
            let hl = u32::from_be_bytes(lens[..4].try_into().unwrap()) as usize;
            let pl = u32::from_be_bytes(lens[4..].try_into().unwrap()) as usize;
            let mut h = vec![0u8; hl];
            let mut payload = vec![0u8; pl];
            if stdout.read_exact(&mut h).is_err() || stdout.read_exact(&mut payload).is_err() {
                return;
            }
            let header: Value = serde_json::from_slice(&h).unwrap_or(Value::Null);
            if header["event"] == "output" {
                let ack = frame(&json!({"op": "ack", "id": header["id"], "bytes": pl}), &[]);
                if let Some(w) = acker.lock().unwrap().as_mut() {
                    let _ = w.write_all(&ack);
                }
            }
            if tx.send(Event { header, payload }).is_err() {
                return;
            }
        });
        let mut sc = Sidecar { child, stdin, events: rx, seen: Vec::new(), log, hello: Value::Null, next_req: 1 };
        let hello = sc.wait_for(Duration::from_secs(30), |e| e.header["event"] == "hello")?;
        sc.hello = hello;
        Ok(sc)
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    pub fn send(&mut self, mut header: Value, payload: &[u8]) -> u64 {
        let req = self.next_req;
        self.next_req += 1;
        if header.get("op") != Some(&json!("ack")) {
            header["req"] = json!(req);
        }
        if let Some(w) = self.stdin.lock().unwrap().as_mut() {
            let _ = w.write_all(&frame(&header, payload));
            let _ = w.flush();
        }
        req
    }

    /// Closes the sidecar's stdin: the host is gone.
    pub fn close_input(&mut self) {
        self.stdin.lock().unwrap().take();
    }

    /// Spawns a child; returns the `spawned` event (or the error).
    pub fn spawn(&mut self, id: &str, argv: &[String], extra: Value) -> Result<Value, String> {
        let mut req = json!({"op": "spawn", "id": id, "argv": argv});
        if let Value::Object(m) = extra {
            for (k, v) in m {
                req[k] = v;
            }
        }
        let n = self.send(req, &[]);
        let ev = self.wait_for(Duration::from_secs(30), |e| e.header["req"] == n)?;
        match ev["event"].as_str() {
            Some("spawned") => Ok(ev),
            _ => Err(format!("spawn of {id} answered {ev}")),
        }
    }

    /// The first event (seen earlier or arriving within `limit`) matching `pred`.
    pub fn wait_for(&mut self, limit: Duration, pred: impl Fn(&Event) -> bool) -> Result<Value, String> {
        if let Some(e) = self.seen.iter().find(|e| pred(e)) {
            return Ok(e.header.clone());
        }
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(e) => {
                    let hit = pred(&e);
                    let header = e.header.clone();
                    self.seen.push(e);
                    if hit {
                        return Ok(header);
                    }
                }
                Err(RecvTimeoutError::Timeout) => return Err(format!("no matching event within {limit:?}")),
                Err(RecvTimeoutError::Disconnected) => return Err("the sidecar's stdout closed".into()),
            }
        }
    }

    pub fn wait_exit(&mut self, id: &str, limit: Duration) -> Result<Value, String> {
        self.wait_for(limit, |e| e.header["event"] == "exit" && e.header["id"] == id)
            .map_err(|e| format!("no exit for {id}: {e}"))
    }

    /// Bytes of every `output` event of `id` on `stream` received so far.
    pub fn output(&self, id: &str, stream: &str) -> Vec<u8> {
        self.seen
            .iter()
            .filter(|e| e.header["event"] == "output" && e.header["id"] == id && e.header["stream"] == stream)
            .flat_map(|e| e.payload.iter().copied())
            .collect()
    }

    /// Ends the sidecar the hard way (TerminateProcess).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Asks for shutdown and waits for the sidecar to exit.
    pub fn shutdown(mut self) -> Result<(), String> {
        self.send(json!({"op": "shutdown"}), &[]);
        self.wait_for(Duration::from_secs(30), |e| e.header["event"] == "goodbye")?;
        self.close_input();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill();
        Err("the sidecar did not exit after goodbye".into())
    }
}

impl Drop for Sidecar {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.kill();
        }
    }
}
