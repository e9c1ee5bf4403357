//! The lifecycle scenarios' session on top of the shared client
//! (`tests/common/client.rs`): every event kept, waits that return an error
//! instead of panicking (a scenario's failure is a verdict, not the end of
//! the run), and the sidecar's stderr kept for "not run" evidence.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::client::{Connection, Event, FromReader};

pub struct Sidecar {
    conn: Connection,
    seen: Vec<Event>,
    log: Arc<Mutex<String>>,
    pub hello: Value,
    next_req: u64,
}

impl Sidecar {
    pub fn start(exe: &Path) -> Result<Sidecar, String> {
        let mut cmd = Command::new(exe);
        cmd.env("PAWWORK_SUPERVISOR_LOG", "info").stderr(Stdio::piped());
        let mut conn = Connection::start(&mut cmd).map_err(|e| format!("cannot start the sidecar {}: {e}", exe.display()))?;
        let mut stderr = conn.child.stderr.take().expect("piped");
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
        let mut sc = Sidecar { conn, seen: Vec::new(), log, hello: Value::Null, next_req: 1 };
        let hello = sc.wait_for(Duration::from_secs(30), |e| e.name() == "hello")?;
        sc.hello = hello;
        Ok(sc)
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Sends `header` with a fresh `req`; returns it.
    pub fn send(&mut self, mut header: Value, payload: &[u8]) -> u64 {
        let req = self.next_req;
        self.next_req += 1;
        header["req"] = json!(req);
        self.conn.send(&header, payload);
        req
    }

    /// Closes the sidecar's stdin: the host is gone.
    pub fn close_input(&mut self) {
        self.conn.close_stdin();
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
        let ev = self.wait_for(Duration::from_secs(30), |e| e.req() == Some(n))?;
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
            match self.conn.recv(left) {
                Ok(FromReader::Event(e)) => {
                    let hit = pred(&e);
                    let header = e.header.clone();
                    self.seen.push(e);
                    if hit {
                        return Ok(header);
                    }
                }
                Ok(FromReader::Violation(v)) => return Err(format!("protocol violation: {v}")),
                Err(RecvTimeoutError::Timeout) => return Err(format!("no matching event within {limit:?}")),
                Ok(FromReader::Closed) | Err(RecvTimeoutError::Disconnected) => {
                    return Err("the sidecar's stdout closed".into())
                }
            }
        }
    }

    pub fn wait_exit(&mut self, id: &str, limit: Duration) -> Result<Value, String> {
        self.wait_for(limit, |e| e.is("exit", id)).map_err(|e| format!("no exit for {id}: {e}"))
    }

    /// Bytes of every `output` event of `id` on `stream` received so far.
    pub fn output(&self, id: &str, stream: &str) -> Vec<u8> {
        self.seen
            .iter()
            .filter(|e| e.is("output", id) && e.header["stream"] == stream)
            .flat_map(|e| e.payload.iter().copied())
            .collect()
    }

    /// Ends the sidecar the hard way (TerminateProcess on our own child).
    pub fn kill(&mut self) {
        let _ = self.conn.child.kill();
        let _ = self.conn.child.wait();
    }

    /// Asks for shutdown and waits for the sidecar to exit.
    pub fn shutdown(mut self) -> Result<(), String> {
        self.send(json!({"op": "shutdown"}), &[]);
        self.wait_for(Duration::from_secs(30), |e| e.name() == "goodbye")?;
        self.close_input();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.conn.child.try_wait() {
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
        if let Ok(None) = self.conn.child.try_wait() {
            self.kill();
        }
    }
}
