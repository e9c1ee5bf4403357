//! Replays the golden transcripts of `docs/reference/transcripts/` against the real
//! binary. The TypeScript client replays the same files, so the protocol
//! has one executable definition (see docs/reference/transcripts/README.md).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod common;

use common::client::{Connection, FromReader};
use common::report::Report;

const WAIT: Duration = Duration::from_secs(20);

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The fixture's path as the transcripts' `$FIXTURE`: the one lookup every
/// test target uses (`PAWWORK_FIXTURE_PATH`, else next to the sidecar).
fn fixture() -> String {
    common::fixture::fixture_path().to_string_lossy().into_owned()
}

/// One replay's connection: events in arrival order, output recorded (the
/// shared client acks it on arrival), so steps match only the rest.
struct Session {
    conn: Connection,
    /// Output seen so far, per (id, stream).
    output: HashMap<(String, String), Vec<u8>>,
}

impl Session {
    fn start() -> Session {
        let conn = Connection::start(&mut Command::new(common::fixture::SIDECAR)).expect("start the sidecar");
        Session { conn, output: HashMap::new() }
    }

    fn send(&mut self, header: &Value, payload: &[u8]) {
        self.conn.send(header, payload);
    }

    /// The next event that is not `output`; outputs are recorded.
    fn next_event(&mut self) -> Value {
        loop {
            let ev = match self.conn.recv(WAIT) {
                Ok(FromReader::Event(ev)) => ev,
                Ok(FromReader::Violation(v)) => panic!("protocol violation: {v}"),
                Ok(FromReader::Closed) | Err(_) => panic!("no event within the hang guard (or the sidecar closed its stdout)"),
            };
            if ev.name() == "output" {
                let key = (ev.id().unwrap().to_owned(), ev.header["stream"].as_str().unwrap().to_owned());
                self.output.entry(key).or_default().extend_from_slice(&ev.payload);
                continue;
            }
            return ev.header;
        }
    }
}

/// `"*"` matches anything; objects must have the same keys (unless the
/// expectation has `"...": true`); arrays match element by element.
fn matches(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::String(s), _) if s == "*" => true,
        (Value::Object(e), Value::Object(a)) => {
            let open = e.get("...") == Some(&Value::Bool(true));
            let keys_ok = open || a.keys().all(|k| e.contains_key(k));
            keys_ok && e.iter().filter(|(k, _)| *k != "...").all(|(k, v)| a.get(k).is_some_and(|av| matches(v, av)))
        }
        (Value::Array(e), Value::Array(a)) => e.len() == a.len() && e.iter().zip(a).all(|(x, y)| matches(x, y)),
        _ => expected == actual,
    }
}

/// `$FIXTURE` becomes the fixture's path, `$PID:name` the pid (a number) of
/// a process a `start` step started.
fn substitute(v: &Value, fixture: &str, started: &HashMap<String, Started>) -> Value {
    match v {
        Value::String(s) if s == "$FIXTURE" => Value::String(fixture.to_owned()),
        Value::String(s) if s.starts_with("$PID:") => {
            let name = &s["$PID:".len()..];
            json!(started.get(name).unwrap_or_else(|| panic!("{s}: no process started as {name:?}")).child.id())
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| substitute(x, fixture, started)).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (k.clone(), substitute(x, fixture, started))).collect()),
        other => other.clone(),
    }
}

/// A process a `start` step started outside the sidecar, with its report.
struct Started {
    child: Child,
    report: PathBuf,
    fixture: String,
}

impl Drop for Started {
    /// Also runs when a replay fails half-way: nothing started may outlive
    /// it. Survivors are killed by pid (> 1) after their start time was
    /// re-checked; the root is our own child, so reaping it is always safe.
    fn drop(&mut self) {
        for (pid, _) in survivors(&self.fixture, &reported(&self.report)) {
            kill_survivor(pid);
        }
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.report);
    }
}

/// Kills one survivor whose start time was just re-checked.
#[cfg(unix)]
fn kill_survivor(pid: u32) {
    if pid > 1 && pid != std::process::id() {
        // SAFETY: kill(2) on one positive pid, validated just above.
        unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    }
}

/// Outside Unix the survivor is only reported (the replay still fails).
#[cfg(not(unix))]
fn kill_survivor(_pid: u32) {}

/// (pid, start) of every `pid` line in a fixture report.
fn reported(report: &Path) -> Vec<(u32, String)> {
    Report::new(report).procs().into_iter().map(|p| (p.pid as u32, p.start)).collect()
}

/// Which of `procs` still run as the same process (same start time), asked
/// of `pawwork-fixture proc-start` so both replayers judge alike.
fn survivors(fixture: &str, procs: &[(u32, String)]) -> Vec<(u32, String)> {
    if procs.is_empty() {
        return Vec::new();
    }
    let out = Command::new(fixture).arg("proc-start").args(procs.iter().map(|p| p.0.to_string())).output().unwrap();
    assert!(out.status.success(), "proc-start failed: {out:?}");
    let now: HashMap<String, String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(' ').map(|(p, s)| (p.to_owned(), s.to_owned())))
        .collect();
    procs.iter().filter(|(pid, start)| now.get(&pid.to_string()) == Some(start)).cloned().collect()
}

fn start_step(spec: &Value, fixture: &str, name: &str, n: usize) -> Started {
    let argv: Vec<String> = spec["argv"]
        .as_array()
        .expect("start.argv")
        .iter()
        .map(|a| substitute(a, fixture, &HashMap::new()).as_str().expect("argv strings").to_owned())
        .collect();
    let report = std::env::temp_dir().join(format!("pawwork-transcript-{}-{name}-{n}.report", std::process::id()));
    let _ = std::fs::remove_file(&report);
    let child = Command::new(&argv[0]).args(&argv[1..]).env("PAWWORK_FIXTURE_REPORT", &report).spawn().expect("start step");
    let started = Started { child, report, fixture: fixture.to_owned() };
    if let Some(ready) = spec.get("ready").and_then(Value::as_u64) {
        let deadline = Instant::now() + WAIT;
        while reported(&started.report).len() < ready as usize {
            assert!(Instant::now() < deadline, "start {name}: {ready} pid lines never came");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    started
}

/// Every process a started tree reported must be gone; survivors fail the
/// replay (after `Started::drop` killed them).
fn finish_started(name: &str, fixture: &str, started: HashMap<String, Started>) {
    let mut leaked = Vec::new();
    for (tree, s) in started {
        let procs = reported(&s.report);
        let deadline = Instant::now() + WAIT;
        let mut left = survivors(fixture, &procs);
        while !left.is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
            left = survivors(fixture, &procs);
        }
        leaked.extend(left.into_iter().map(|(pid, _)| format!("{tree}:{pid}")));
        drop(s); // kills what is left, reaps the root
    }
    assert!(leaked.is_empty(), "{name}: processes of started trees survived: {leaked:?}");
}

fn replay(name: &str) {
    let path = workspace().join("docs/reference/transcripts").join(name);
    let steps: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let fixture = fixture();
    let mut started: HashMap<String, Started> = HashMap::new();
    let mut s = Session::start();
    let hello = s.next_event();
    assert_eq!(hello["event"], "hello", "{name}: first event");
    assert_eq!(hello["protocol"], 1, "{name}: protocol version");
    for (i, step) in steps.iter().enumerate() {
        let payload = step.get("payload").and_then(Value::as_str).unwrap_or("").as_bytes().to_vec();
        if let Some(spec) = step.get("start") {
            let tree = spec["name"].as_str().expect("start.name").to_owned();
            started.insert(tree.clone(), start_step(spec, &fixture, &tree, i));
        } else if let Some(req) = step.get("send") {
            s.send(&substitute(req, &fixture, &started), &payload);
        } else if let Some(exp) = step.get("expect") {
            let exp = substitute(exp, &fixture, &started);
            let ev = s.next_event();
            assert!(matches(&exp, &ev), "{name} step {i}: expected {exp}\n got {ev}");
        } else if let Some(key) = step.get("expect_output") {
            let k = (key["id"].as_str().unwrap().to_owned(), key["stream"].as_str().unwrap().to_owned());
            let got = s.output.get(&k).cloned().unwrap_or_default();
            assert_eq!(String::from_utf8_lossy(&got), String::from_utf8_lossy(&payload), "{name} step {i}: output of {k:?}");
        } else {
            panic!("{name} step {i}: unknown step {step}");
        }
    }
    s.conn.close_stdin();
    let status = s.conn.child.wait().unwrap();
    assert!(status.success(), "{name}: sidecar exit {status}");
    finish_started(name, &fixture, started);
}

#[test]
fn transcript_spawn_output_exit() {
    replay("spawn-output-exit.json");
}

#[test]
fn transcript_stdin_echo() {
    replay("stdin-echo.json");
}

#[test]
fn transcript_leftovers_keep() {
    replay("leftovers-keep.json");
}

#[test]
fn transcript_cancel() {
    replay("cancel.json");
}

#[test]
fn transcript_bad_input() {
    replay("bad-input.json");
}

#[test]
fn transcript_extra_fds() {
    replay("extra-fds.json");
}

#[test]
fn transcript_terminate() {
    replay("terminate.json");
}

#[test]
fn transcript_ping() {
    replay("ping.json");
}

#[test]
fn matcher_rejects_what_it_should() {
    assert!(matches(&json!({"a": "*"}), &json!({"a": [1]})));
    assert!(!matches(&json!({"a": 1}), &json!({"a": 1, "b": 2})), "extra keys need \"...\"");
    assert!(matches(&json!({"a": 1, "...": true}), &json!({"a": 1, "b": 2})));
    assert!(!matches(&json!([1, 2]), &json!([1])));
    assert!(!matches(&json!({"a": null}), &json!({})));
}
