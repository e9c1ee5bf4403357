//! Receiving: every event is kept in arrival order, checked against the
//! stream invariants as it comes in, and found again by predicate.

use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::client::{Event, FromReader};
use super::sidecar::{Output, Sidecar};
use super::HANG;

impl Sidecar {

    /// Takes in whatever arrived, waiting at most `timeout` for the first.
    /// Returns false once the sidecar's stdout is closed.
    pub fn pump(&mut self, timeout: Duration) -> bool {
        if self.closed {
            return false;
        }
        let mut wait = timeout;
        // Bounded so a busy stream cannot keep a caller from its deadline.
        for _ in 0..10_000 {
            match self.conn.recv(wait) {
                Ok(FromReader::Event(ev)) => {
                    if let Err(broken) = self.invariants.check(&ev) {
                        self.fail(&format!("protocol invariant broken: {broken}"));
                    }
                    self.events.push(ev);
                    wait = Duration::ZERO;
                }
                Ok(FromReader::Violation(v)) => self.fail(&format!("protocol violation: {v}")),
                Ok(FromReader::Closed) | Err(RecvTimeoutError::Disconnected) => {
                    self.closed = true;
                    return false;
                }
                Err(RecvTimeoutError::Timeout) => return true,
            }
        }
        true
    }

    /// Index of the first event (from the start of the stream) that matches.
    pub fn wait_index(&mut self, what: &str, timeout: Duration, pred: impl Fn(&Event) -> bool) -> usize {
        self.wait_index_from(0, what, timeout, pred)
    }

    /// Index of the first matching event at or after index `from`.
    pub fn wait_index_from(
        &mut self,
        from: usize,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&Event) -> bool,
    ) -> usize {
        let deadline = Instant::now() + timeout;
        let mut scanned = from;
        loop {
            if scanned < self.events.len() {
                if let Some(i) = self.events[scanned..].iter().position(&pred) {
                    return scanned + i;
                }
                scanned = self.events.len();
            }
            let now = Instant::now();
            if now >= deadline {
                self.fail(&format!("no {what} within {timeout:?}"));
            }
            if !self.pump((deadline - now).min(Duration::from_millis(50))) && self.events.len() <= scanned {
                self.fail(&format!("sidecar closed its stdout before {what}"));
            }
        }
    }

    pub fn wait_event(&mut self, what: &str, pred: impl Fn(&Event) -> bool) -> Event {
        let i = self.wait_index(what, HANG, pred);
        self.events[i].clone()
    }

    /// The first event answering request `req`.
    pub fn wait_reply(&mut self, req: u64) -> Value {
        self.wait_event(&format!("answer to req {req}"), |e| e.req() == Some(req)).header
    }

    /// The first event answering `req`, which must be an `error`; its code.
    pub fn wait_error(&mut self, req: u64) -> String {
        let ev = self.wait_reply(req);
        assert_eq!(ev["event"], "error", "req {req} should fail, was answered with {ev}");
        ev["code"].as_str().unwrap().to_string()
    }

    pub fn wait_exit(&mut self, id: &str) -> Value {
        self.wait_event(&format!("exit of {id:?}"), |e| e.is("exit", id)).header
    }

    pub fn exits_of(&self, id: &str) -> Vec<Value> {
        self.events.iter().filter(|e| e.is("exit", id)).map(|e| e.header.clone()).collect()
    }

    /// Waits for the exit of `id`; returns everything it wrote before it.
    pub fn collect_output(&mut self, id: &str) -> Output {
        let at = self.wait_index(&format!("exit of {id:?}"), HANG, |e| e.is("exit", id));
        let mut out = Output { stdout: Vec::new(), stderr: Vec::new(), fds: Default::default(), exit: self.events[at].header.clone() };
        for e in self.events[..at].iter().filter(|e| e.is("output", id)) {
            match e.header["stream"].as_str() {
                Some("stdout") => out.stdout.extend_from_slice(&e.payload),
                Some("stderr") => out.stderr.extend_from_slice(&e.payload),
                Some(fd) => out.fds.entry(fd.to_owned()).or_default().extend_from_slice(&e.payload),
                None => unreachable!("the invariants refuse an output without a stream"),
            }
        }
        out
    }

    /// Output bytes of `id` on `stream` received so far.
    pub fn received(&mut self, id: &str, stream: &str) -> u64 {
        self.pump(Duration::ZERO);
        self.invariants.total(id, stream)
    }

    pub fn unacked(&self, id: &str) -> u64 {
        self.conn.unacked(id)
    }
}
