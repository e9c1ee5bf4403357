//! Output drains to the last byte before `exit`, or is cut at the drain
//! deadline when a descendant holds the pipe; leftovers are killed.

use std::time::{Duration, Instant};

use crate::common::harness::*;

#[test]
fn flood_of_8_mb_on_both_streams_arrives_intact_before_exit() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("flood"));
    let argv = fixture_argv(report.path(), &["flood", "--bytes", "8000000", "--stream", "both"]);
    sc.spawn("flood", &argv, piped(&["stdout", "stderr"]));
    // collect_output takes only output events before the exit; the harness
    // also checks exit.bytes against them and rejects output after exit.
    let out = sc.collect_output("flood");
    assert_eq!(out.exit["reason"], "exited", "exit: {}", out.exit);
    assert_eq!(out.exit["code"], 0, "exit: {}", out.exit);
    assert_eq!(out.exit["drain"], "complete", "exit: {}", out.exit);
    assert_pattern("stdout", &out.stdout, 8_000_000);
    assert_pattern("stderr", &out.stderr, 8_000_000);
    assert_eq!(out.exit["bytes"], json!({"stdout": 8_000_000, "stderr": 8_000_000}));
    assert_all_gone(&report, GONE);
}

/// The flood above took the path the hello names: npm test runs this suite
/// once with `PAWWORK_SUPERVISOR_NO_SPLICE=1`, which must really copy, or
/// that run would test splicing twice.
#[test]
fn hello_names_the_output_path_and_copying_can_be_chosen() {
    let dir = TestDir::new();
    let sc = Sidecar::start(&dir);
    let output = sc.hello()["capabilities"]["output"].clone();
    let off = std::env::var_os("PAWWORK_SUPERVISOR_NO_SPLICE").is_some_and(|v| !v.is_empty());
    // The harness gives the sidecar a pipe for stdout, which takes splices on Linux.
    let want = if off || !cfg!(target_os = "linux") { "copy" } else { "splice" };
    assert_eq!(output, want, "capabilities.output (PAWWORK_SUPERVISOR_NO_SPLICE set: {off})");
}

/// The run timeout for the slow writer: it must start and report a first
/// write before the timeout, or the test proves nothing. The timeout runs
/// from the spawn, so it covers the fixture's start-up, which a busy 2-core
/// machine can stretch past the 500 ms this once was; the test is about the
/// bytes kept, not the timeout's precision.
const SLOW_WRITER_TIMEOUT_MS: u64 = 2_000;

#[test]
fn timeout_stops_slow_writer_and_keeps_every_written_byte() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("slow"));
    let argv = fixture_argv(report.path(), &["slow", "--chunk", "4096", "--interval-ms", "20"]);
    sc.spawn("slow", &argv, json!({"stdout": "pipe", "timeout_ms": SLOW_WRITER_TIMEOUT_MS}));
    let out = sc.collect_output("slow");
    assert_eq!(out.exit["reason"], "timed_out", "exit: {}", out.exit);
    assert!(out.exit["signal"].is_string(), "a timed-out writer dies by a signal: {}", out.exit);
    assert_pattern_prefix("stdout", &out.stdout);
    // Every `wrote` line was reported after its write returned, so those
    // bytes were in the pipe before the process died: none may be lost.
    let wrote = report.last_wrote("stdout").unwrap_or(0);
    assert!(wrote > 0, "the slow writer reported no write within {SLOW_WRITER_TIMEOUT_MS} ms; report: {:?}", report.lines());
    assert!(
        out.stdout.len() as u64 >= wrote,
        "received {} stdout bytes but the fixture had written {wrote}",
        out.stdout.len()
    );
    assert_all_gone(&report, GONE);
}

#[test]
fn drain_deadline_cuts_a_pipe_held_by_a_grandchild() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("hold-pipe"));
    let argv = fixture_argv(report.path(), &["hold-pipe"]);
    let started = Instant::now();
    sc.spawn("hold", &argv, json!({"stdout": "pipe", "stderr": "pipe", "drain_timeout_ms": 500}));
    let out = sc.collect_output("hold");
    // Hang guard only (the holder keeps the pipe for ever, so an uncut drain
    // never ends); `drain: "cut"` below is what shows the deadline worked.
    assert!(started.elapsed() < Duration::from_secs(10), "exit took {:?}", started.elapsed());
    assert_eq!(out.exit["reason"], "exited", "exit: {}", out.exit);
    assert_eq!(out.exit["code"], 0, "exit: {}", out.exit);
    assert_eq!(out.exit["drain"], "cut", "the holder keeps the pipe open: {}", out.exit);
    assert!(
        out.stdout.windows(10).any(|w| w == b"root done\n"),
        "stdout lacks the root's line: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The holder is a descendant alive after the root ended: by the default
    // `leftovers: "kill"` it is killed and listed.
    let holder = report.wait_role("holder");
    let leftovers = pids(&out.exit["leftover_pids"]);
    assert!(leftovers.contains(&holder.pid), "leftover_pids {leftovers:?} lacks the holder {}", holder.pid);
    assert_all_gone(&report, GONE);
}

#[test]
fn leftover_is_killed_by_the_default_policy() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("leftover"));
    sc.spawn("left", &fixture_argv(report.path(), &["leftover"]), piped(&["stdout"]));
    let exit = sc.wait_exit("left");
    assert_eq!(exit["reason"], "exited", "exit: {exit}");
    assert_eq!(exit["code"], 0, "exit: {exit}");
    let leftovers = pids(&exit["leftover_pids"]);
    assert!(!leftovers.is_empty(), "the leftover child was not found: {exit}");
    // It may have been killed before it could report itself; if it did
    // report, it must be the one listed.
    if let Some(p) = report.procs().iter().find(|p| p.role == "leftover") {
        assert!(leftovers.contains(&p.pid), "leftover_pids {leftovers:?} lacks {}", p.pid);
    }
    assert_all_gone(&report, GONE);
}

#[test]
fn cancel_after_the_root_ended_reports_exited_and_cuts_the_drain() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("hold-pipe"));
    // A drain deadline far away: only the cancel can end this drain.
    let opts = json!({"stdout": "pipe", "drain_timeout_ms": 600_000});
    sc.spawn("hold", &fixture_argv(report.path(), &["hold-pipe"]), opts);
    let root = report.wait_role("root");
    report.wait_role("holder");
    let deadline = Instant::now() + HANG;
    while leaks::alive(root.pid, &root.start) {
        assert!(Instant::now() < deadline, "the hold-pipe root never exited");
        sc.pump(Duration::from_millis(20));
    }
    assert!(sc.exits_of("hold").is_empty(), "exit came while the holder still had the pipe");

    sc.cancel("hold");
    let out = sc.collect_output("hold");
    // protocol.md: after a natural root exit, a cancel only kills leftovers,
    // so the reason stays `exited` and the open pipe makes the drain `cut`.
    assert_eq!(out.exit["reason"], "exited", "exit: {}", out.exit);
    assert_eq!(out.exit["code"], 0, "exit: {}", out.exit);
    assert_eq!(out.exit["drain"], "cut", "exit: {}", out.exit);
    assert!(out.stdout.windows(10).any(|w| w == b"root done\n"), "stdout: {:?}", out.stdout);
    assert_all_gone(&report, GONE);
}

#[test]
fn a_cancels_drain_timeout_bounds_the_drain_after_its_ladder() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("unread"));
    // Nobody acks: once a window is out the relay can take no more, and the
    // pipe never reaches EOF for it. The spawn's own drain would wait a minute.
    sc.hold_acks("u");
    let mut opts = piped(&["stdout"]);
    opts["drain_timeout_ms"] = json!(60_000);
    sc.spawn("u", &fixture_argv(report.path(), &["flood", "--bytes", "8000000"]), opts);
    let window = sc.window();
    let deadline = Instant::now() + HANG;
    while sc.received("u", "stdout") < window {
        assert!(Instant::now() < deadline, "never received a full window");
        sc.pump(Duration::from_millis(20));
    }
    let started = Instant::now();
    sc.request(json!({"op": "cancel", "id": "u", "grace_ms": 200, "drain_timeout_ms": 200}));
    let exit = sc.wait_exit("u");
    assert!(started.elapsed() < HANG, "the exit waited {:?}", started.elapsed());
    assert_eq!((exit["reason"].as_str(), exit["drain"].as_str()), (Some("cancelled"), Some("cut")), "{exit}");
    assert_all_gone(&report, GONE);
}
