//! Events from the sidecar, and the invariants every event stream must keep
//! (checked on every event of every test, not only where a test looks).

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::common::client::Event;

const REASONS: [&str; 4] = ["exited", "cancelled", "timed_out", "spawn_failed"];
const DRAINS: [&str; 3] = ["complete", "cut", "none"];

/// Running per-child bookkeeping for the stream-wide invariants.
#[derive(Default)]
pub struct Invariants {
    /// Output payload bytes per (id, stream).
    totals: HashMap<(String, String), u64>,
    exited: HashSet<String>,
    /// Ids whose `exit` said `kept: true` and that were not released yet.
    kept: HashSet<String>,
    /// Ids that sent `root_exited`.
    root_exited: HashSet<String>,
}

/// `stdout`, `stderr`, or an extra descriptor's `fdN` (N from 3).
fn output_stream(name: &str) -> bool {
    name == "stdout" || name == "stderr" || name.strip_prefix("fd").and_then(|n| n.parse::<u32>().ok()).is_some_and(|n| n >= 3)
}

impl Invariants {
    pub fn total(&self, id: &str, stream: &str) -> u64 {
        self.totals.get(&(id.to_string(), stream.to_string())).copied().unwrap_or(0)
    }

    /// Returns a description of the broken invariant, if any.
    pub fn check(&mut self, ev: &Event) -> Result<(), String> {
        let h = &ev.header;
        if ev.name() != "output" && !ev.payload.is_empty() {
            return Err(format!("payload on a non-output event: {}", ev.brief()));
        }
        match ev.name() {
            "output" => {
                let id = ev.id().ok_or("output without id")?.to_string();
                let stream = h["stream"].as_str().unwrap_or("");
                if !output_stream(stream) {
                    return Err(format!("output with stream {:?}", h["stream"]));
                }
                if self.exited.contains(&id) {
                    return Err(format!("output for {id:?} after its exit"));
                }
                *self.totals.entry((id, stream.to_string())).or_default() += ev.payload.len() as u64;
            }
            "spawned" => {
                let pid = h["pid"].as_i64().unwrap_or(0);
                if pid <= 1 {
                    return Err(format!("spawned with pid {pid}: {h}"));
                }
                // Linux: the tree's own cgroup, or group, subreaper and marker.
                if !["cgroup", "marker"].contains(&h["containment"].as_str().unwrap_or("")) {
                    return Err(format!("spawned with containment {:?}: {h}", h["containment"]));
                }
            }
            "exit" => self.check_exit(ev)?,
            "root_exited" => {
                // docs/reference/protocol.md: at most once per id, before its `exit`,
                // with exactly one of code and signal.
                let id = ev.id().ok_or("root_exited without id")?.to_string();
                if self.exited.contains(&id) || !self.root_exited.insert(id.clone()) {
                    return Err(format!("root_exited for {id:?} after its exit, or twice: {h}"));
                }
                if h["code"].is_null() == h["signal"].is_null() {
                    return Err(format!("root_exited needs exactly one of code / signal: {h}"));
                }
            }
            "released" => {
                // docs/reference/protocol.md: exactly one `released`, only after an
                // `exit` that said `kept: true`.
                let id = ev.id().ok_or("released without id")?.to_string();
                if !self.kept.remove(&id) {
                    return Err(format!("released for {id:?} without a kept exit before it, or twice: {h}"));
                }
                if !["cancelled", "emptied"].contains(&h["reason"].as_str().unwrap_or("")) {
                    return Err(format!("released with reason {:?}: {h}", h["reason"]));
                }
                if !h["killed_pids"].is_array() {
                    return Err(format!("released without array killed_pids: {h}"));
                }
            }
            "error" => {
                if h["code"].as_str().unwrap_or("").is_empty() {
                    return Err(format!("error without code: {h}"));
                }
            }
            "terminated" => {
                // docs/reference/protocol.md: the answer to `terminate` names no child,
                // carries its req, and killed_pids are members found.
                if ev.req().is_none() || ev.id().is_some() {
                    return Err(format!("terminated needs a req and no id: {h}"));
                }
                let list = |k: &str| h[k].as_array().map(|a| a.iter().filter_map(|p| p.as_i64()).collect::<Vec<_>>());
                let (Some(pids), Some(killed)) = (list("pids"), list("killed_pids")) else {
                    return Err(format!("terminated without pid arrays: {h}"));
                };
                if pids.iter().any(|&p| p <= 1) || killed.iter().any(|p| !pids.contains(p)) {
                    return Err(format!("terminated with a pid <= 1 or a killed pid not among pids: {h}"));
                }
                for flag in ["graceful", "quiet", "capped"] {
                    if !h[flag].is_boolean() {
                        return Err(format!("terminated without boolean {flag}: {h}"));
                    }
                }
            }
            "pong" => {
                if ev.req().is_none() || h.as_object().is_some_and(|o| o.len() != 2) {
                    return Err(format!("pong carries its req and nothing else: {h}"));
                }
            }
            "written" | "signalled" | "goodbye" | "hello" => {}
            other => return Err(format!("unknown event {other:?}: {h}")),
        }
        Ok(())
    }

    fn check_exit(&mut self, ev: &Event) -> Result<(), String> {
        let h = &ev.header;
        let id = ev.id().ok_or("exit without id")?.to_string();
        if self.exited.contains(&id) {
            return Err(format!("a second exit for {id:?}: exactly one per id: {h}"));
        }
        let reason = h["reason"].as_str().unwrap_or("");
        if !REASONS.contains(&reason) {
            return Err(format!("exit with reason {:?}: {h}", h["reason"]));
        }
        let code = &h["code"];
        let signal = &h["signal"];
        if reason == "spawn_failed" {
            if !code.is_null() || !signal.is_null() {
                return Err(format!("spawn_failed exit with code or signal: {h}"));
            }
        } else {
            // Exactly one of code/signal: a signal death is never an exit code.
            let code_ok = code.as_u64().is_some_and(|c| c <= 255);
            let signal_ok = signal.as_str().is_some_and(|s| s.starts_with("SIG"));
            if code_ok == signal_ok || (!code_ok && !code.is_null()) || (!signal_ok && !signal.is_null()) {
                return Err(format!("exit needs exactly one of code (0..255) / signal: {h}"));
            }
        }
        if !DRAINS.contains(&h["drain"].as_str().unwrap_or("")) {
            return Err(format!("exit with drain {:?}: {h}", h["drain"]));
        }
        for list in ["killed_pids", "leftover_pids"] {
            if !h[list].is_array() {
                return Err(format!("exit without array {list}: {h}"));
            }
        }
        let mut streams: Vec<String> = vec!["stdout".into(), "stderr".into()];
        let fds = h["bytes"].as_object().map(|o| o.keys().filter(|k| k.starts_with("fd")).cloned().collect::<Vec<_>>());
        streams.extend(fds.unwrap_or_default());
        // A descriptor's output with no total in the exit is a miscount too.
        if let Some((_, s)) = self.totals.keys().find(|(i, s)| *i == id && !streams.contains(s)) {
            return Err(format!("exit of {id:?} has no byte total for {s}, which sent output: {h}"));
        }
        for stream in streams.iter().map(String::as_str) {
            let claimed = h["bytes"][stream].as_u64();
            let seen = self.total(&id, stream);
            if claimed != Some(seen) {
                return Err(format!(
                    "exit of {id:?} claims {stream} bytes {:?} but {seen} arrived before it: {h}",
                    h["bytes"][stream]
                ));
            }
        }
        match h.get("kept") {
            None => {}
            Some(Value::Bool(true)) => {
                self.kept.insert(id.clone());
            }
            Some(other) => return Err(format!("exit with kept {other} (absent unless true): {h}")),
        }
        self.exited.insert(id);
        Ok(())
    }
}
