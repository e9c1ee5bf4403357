//! The one reader of fixture report files: JSON lines appended by every
//! process of a fixture tree (docs/reference/fixture-program.md "Reporting"): pid lines
//! with start times, signal lines, events, write totals.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Hang guard of the panicking waits: generous, it only turns a hang into a
/// failure and never measures speed.
pub const REPORT_HANG: Duration = Duration::from_secs(20);

/// One process a fixture reported: its pid and the start time that tells it
/// apart from a later process that reuses the pid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proc {
    pub pid: i32,
    pub start: String,
    pub role: String,
}

#[derive(Clone, Debug)]
pub struct Report {
    path: PathBuf,
}

impl Report {
    pub fn new(path: impl AsRef<Path>) -> Report {
        Report { path: path.as_ref().to_path_buf() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every complete line so far. A last line without its newline is still
    /// being written and is left for the next read; a complete line that is
    /// not JSON is a fixture bug and fails the test.
    pub fn lines(&self) -> Vec<Value> {
        let text = match std::fs::read(&self.path) {
            Ok(bytes) => String::from_utf8(bytes).expect("report file is UTF-8"),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => panic!("read report {}: {e}", self.path.display()),
        };
        let complete = match text.rfind('\n') {
            Some(i) => &text[..=i],
            None => "",
        };
        complete
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("bad report line {l:?} in {}: {e}", self.path.display()))
            })
            .collect()
    }

    pub fn procs(&self) -> Vec<Proc> {
        procs_in(&self.lines())
    }

    /// Every (pid, signal name) a process reported receiving, in order.
    pub fn signals(&self) -> Vec<(i32, String)> {
        self.lines()
            .iter()
            .filter(|l| l["kind"] == "signal")
            .map(|l| (l["pid"].as_i64().unwrap_or(0) as i32, l["signal"].as_str().unwrap_or("?").to_string()))
            .collect()
    }

    /// Signal names `pid` reported receiving, in order.
    pub fn signals_of(&self, pid: i32) -> Vec<String> {
        signals_in(&self.lines(), pid)
    }

    /// Whether a process reported the event `what` (`{"kind":"event"}`).
    pub fn has_event(&self, what: &str) -> bool {
        self.lines().iter().any(|l| l["kind"] == "event" && l["what"] == what)
    }

    /// The last `wrote` total a process reported for `stream`.
    pub fn last_wrote(&self, stream: &str) -> Option<u64> {
        self.lines()
            .iter()
            .filter(|l| l["kind"] == "wrote" && l["stream"] == stream)
            .filter_map(|l| l["total"].as_u64())
            .max()
    }

    /// Polls until `pred` holds on the lines; after `limit`, an error that
    /// names `what` and shows the lines.
    pub fn try_wait_until(&self, what: &str, limit: Duration, pred: impl Fn(&[Value]) -> bool) -> Result<Vec<Value>, String> {
        let deadline = Instant::now() + limit;
        loop {
            let lines = self.lines();
            if pred(&lines) {
                return Ok(lines);
            }
            if Instant::now() > deadline {
                let shown: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                return Err(format!(
                    "report {} never showed {what} within {limit:?}; lines:\n{}",
                    self.path.display(),
                    shown.join("\n")
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until at least `n` processes reported themselves.
    pub fn try_wait_procs(&self, n: usize, limit: Duration) -> Result<Vec<Proc>, String> {
        let lines = self.try_wait_until(&format!("{n} pid lines"), limit, |l| procs_in(l).len() >= n)?;
        Ok(procs_in(&lines))
    }

    /// `try_wait_until` that fails the test after the hang guard.
    pub fn wait_until(&self, what: &str, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        self.try_wait_until(what, REPORT_HANG, pred).unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn wait_procs(&self, n: usize) -> Vec<Proc> {
        self.try_wait_procs(n, REPORT_HANG).unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn wait_role(&self, role: &str) -> Proc {
        let lines = self.wait_until(&format!("a {role:?} pid line"), |l| procs_in(l).iter().any(|p| p.role == role));
        procs_in(&lines).into_iter().find(|p| p.role == role).unwrap()
    }
}

pub fn procs_in(lines: &[Value]) -> Vec<Proc> {
    lines
        .iter()
        .filter(|l| l["kind"] == "pid")
        .map(|l| Proc {
            pid: l["pid"].as_i64().unwrap_or_else(|| panic!("pid line without pid: {l}")) as i32,
            start: match &l["start"] {
                Value::String(s) => s.clone(),
                other => panic!("pid line with non-string start {other}: {l}"),
            },
            role: l["role"].as_str().unwrap_or("").to_string(),
        })
        .collect()
}

pub fn signals_in(lines: &[Value], pid: i32) -> Vec<String> {
    lines
        .iter()
        .filter(|l| l["kind"] == "signal" && l["pid"].as_i64() == Some(pid as i64))
        .map(|l| l["signal"].as_str().unwrap_or("?").to_string())
        .collect()
}
