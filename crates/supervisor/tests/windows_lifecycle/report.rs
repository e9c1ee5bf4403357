//! The fixture's report file (docs/fixture-program.md): pid lines with start
//! times, signal lines, events.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Member {
    pub pid: u32,
    pub start: Option<String>,
    pub role: String,
}

pub struct Report {
    path: PathBuf,
}

impl Report {
    pub fn new(path: PathBuf) -> Report {
        Report { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn lines(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(&self.path).unwrap_or_default();
        text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
    }

    pub fn members(&self) -> Vec<Member> {
        self.lines()
            .iter()
            .filter(|l| l["kind"] == "pid")
            .map(|l| Member {
                pid: l["pid"].as_u64().unwrap_or(0) as u32,
                start: l["start"].as_str().map(str::to_owned),
                role: l["role"].as_str().unwrap_or("").to_owned(),
            })
            .collect()
    }

    pub fn signals(&self) -> Vec<(u32, String)> {
        self.lines()
            .iter()
            .filter(|l| l["kind"] == "signal")
            .map(|l| (l["pid"].as_u64().unwrap_or(0) as u32, l["signal"].as_str().unwrap_or("").to_owned()))
            .collect()
    }

    /// Waits until `pred` holds for the report; Err names what was missing.
    pub fn wait(&self, what: &str, limit: Duration, pred: impl Fn(&Report) -> bool) -> Result<(), String> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if pred(self) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        Err(format!("report never showed {what} within {limit:?}: {:?}", self.lines()))
    }

    pub fn wait_members(&self, n: usize, limit: Duration) -> Result<Vec<Member>, String> {
        self.wait(&format!("{n} pid lines"), limit, |r| r.members().len() >= n)?;
        Ok(self.members())
    }

    pub fn has_event(&self, what: &str) -> bool {
        self.lines().iter().any(|l| l["kind"] == "event" && l["what"] == what)
    }
}
