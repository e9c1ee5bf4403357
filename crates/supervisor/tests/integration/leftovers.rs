//! `leftovers: "keep"`: a background process that outlives the root (a
//! shell's `server &`) does not hold the `exit` past the drain deadline and
//! is left running, contained and listed; it ends with a later `cancel`
//! (answered by `released`), a `shutdown`, stdin EOF, or the sidecar's own
//! death. `leftovers: "kill"` ends it before the `exit`.

use std::time::{Duration, Instant};

use crate::common::harness::leaks::{alive, survivors_now};
use crate::common::harness::report::Proc;
use crate::common::harness::*;

/// The drain deadline of these tests: long enough that a cut is plainly the
/// deadline's doing, short enough to keep the tests quick.
const DRAIN_MS: u64 = 1_000;

/// Hang guard for the `exit` of a kept tree, from the spawn: the drain
/// deadline plus slack for the fixture's start-up and a busy 2-core machine.
/// Without the keep policy's cut the holder would hold the exit for ever,
/// so this bound is what the behaviour is; its size only absorbs noise.
fn exit_bound() -> Duration {
    Duration::from_millis(DRAIN_MS) + HANG
}

/// A short ladder: the `leftover` fixture ignores SIGTERM, so every ending
/// escalates after this grace.
fn keep_opts() -> Value {
    json!({"stdout": "pipe", "stderr": "pipe", "drain_timeout_ms": DRAIN_MS,
           "leftovers": "keep", "ladder": {"grace_ms": 200}})
}

/// Spawns `args` with `opts`, waits for the `role` process, then for the
/// exit; returns the exit, the process and how long the exit took.
fn spawn_and_exit(sc: &mut Sidecar, report: &Report, id: &str, args: &[&str], opts: Value, role: &str) -> (Value, Proc, Duration) {
    let started = Instant::now();
    sc.spawn(id, &fixture_argv(report.path(), args), opts);
    let p = report.wait_role(role);
    let exit = sc.wait_exit(id);
    (exit, p, started.elapsed())
}

fn assert_kept(exit: &Value, p: &Proc) {
    assert_eq!(exit["reason"], "exited", "exit: {exit}");
    assert_eq!(exit["code"], 0, "exit: {exit}");
    assert_eq!(exit["kept"], true, "exit: {exit}");
    assert!(pids(&exit["leftover_pids"]).contains(&p.pid), "leftover_pids lacks {} ({}): {exit}", p.pid, p.role);
    assert_eq!(pids(&exit["killed_pids"]), Vec::<i32>::new(), "nothing is killed under keep: {exit}");
    // Checked after the exit arrived, by pid and start time.
    assert!(alive(p.pid, &p.start), "the kept {} {} is not alive after the exit", p.role, p.pid);
}

fn released_of(sc: &mut Sidecar, id: &str) -> Value {
    sc.wait_event(&format!("released of {id:?}"), |e| e.is("released", id)).header
}

#[test]
fn keep_sends_the_exit_at_the_drain_deadline_and_leaves_the_pipe_holder_running() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("hold-pipe"));
    let (exit, holder, took) = spawn_and_exit(&mut sc, &report, "bg", &["hold-pipe"], keep_opts(), "holder");
    assert!(took < exit_bound(), "exit took {took:?}");
    assert_eq!(exit["drain"], "cut", "the holder keeps the pipe open: {exit}");
    assert!(exit["duration_ms"].as_u64().unwrap() >= DRAIN_MS, "cut before the drain deadline: {exit}");
    assert_kept(&exit, &holder);
    // The kept tree is still supervised: a signal reaches the holder.
    let req = sc.signal("bg", "SIGCONT");
    let answer = sc.wait_reply(req);
    assert_eq!(answer["event"], "signalled", "signal to a kept tree: {answer}");
    assert!(pids(&answer["pids"]).contains(&holder.pid), "{answer}");
    // Its stdin is closed with the exit.
    let req = sc.write("bg", b"late");
    assert_eq!(sc.wait_error(req), "stdin_closed");
    // The holder is still there after all that, and ends with a cancel.
    assert!(alive(holder.pid, &holder.start), "the holder died before the cancel");
    sc.cancel("bg");
    let released = released_of(&mut sc, "bg");
    assert_eq!(released["reason"], "cancelled", "released: {released}");
    assert_all_gone(&report, GONE);
    // Then the id is finished: a second cancel is an error.
    let req = sc.cancel("bg");
    assert_eq!(sc.wait_error(req), "unknown_child");
}

#[test]
fn kept_sigterm_ignoring_leftover_ends_with_a_later_cancel_by_the_ladder() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("leftover"));
    let (exit, left, took) = spawn_and_exit(&mut sc, &report, "left", &["leftover"], keep_opts(), "leftover");
    assert!(took < exit_bound(), "exit took {took:?}");
    // The leftover's stdio is the null device: nothing holds the pipes.
    assert_eq!(exit["drain"], "complete", "exit: {exit}");
    assert_kept(&exit, &left);
    // It is left running well past the exit, not merely killed late.
    let until = Instant::now() + Duration::from_millis(500);
    while Instant::now() < until {
        sc.pump(Duration::from_millis(50));
    }
    assert!(alive(left.pid, &left.start), "the kept leftover died without a cancel");
    assert!(sc.events().iter().all(|e| !e.is("released", "left")), "released without a cancel");
    sc.cancel("left");
    let released = released_of(&mut sc, "left");
    assert_eq!(released["reason"], "cancelled", "released: {released}");
    assert!(pids(&released["killed_pids"]).contains(&left.pid), "SIGTERM is ignored, so SIGKILL ends it: {released}");
    assert!(!alive(left.pid, &left.start), "released, but {} is alive", left.pid);
    assert_all_gone(&report, GONE);
}

#[test]
fn kept_tree_ends_at_shutdown_before_goodbye() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("leftover"));
    let (exit, left, _) = spawn_and_exit(&mut sc, &report, "left", &["leftover"], keep_opts(), "leftover");
    assert_kept(&exit, &left);
    sc.shutdown();
    let goodbye = sc.wait_index("goodbye", HANG, |e| e.name() == "goodbye");
    let released = sc.events().iter().position(|e| e.is("released", "left"));
    assert!(released.is_some_and(|r| r < goodbye), "released at {released:?}, goodbye at {goodbye}");
    assert_all_gone(&report, GONE);
    let status = sc.wait_status(HANG);
    assert!(status.is_some_and(|s| s.success()), "after goodbye the sidecar exits 0, got {status:?}");
}

#[test]
fn kept_tree_ends_at_stdin_eof() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("hold-pipe"));
    let (exit, holder, _) = spawn_and_exit(&mut sc, &report, "bg", &["hold-pipe"], keep_opts(), "holder");
    assert_kept(&exit, &holder);
    sc.close_stdin();
    let status = sc.wait_status(HANG);
    assert!(status.is_some_and(|s| s.success()), "sidecar after stdin EOF: {status:?}");
    assert_eq!(released_of(&mut sc, "bg")["reason"], "cancelled");
    assert_all_gone(&report, GONE);
}

#[test]
fn kept_tree_ends_when_the_sidecar_is_killed_outright() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("leftover"));
    let (exit, left, _) = spawn_and_exit(&mut sc, &report, "left", &["leftover"], keep_opts(), "leftover");
    assert_kept(&exit, &left);
    sc.kill_sidecar();
    // The watchdog (or cgroup.kill) ends it; HANG is only the hang guard.
    assert_all_gone(&report, HANG);
}

#[test]
fn kept_tree_that_ends_on_its_own_is_released_as_emptied() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("hold-pipe"));
    // The holder lets go of the pipe well after the drain deadline.
    let hold_ms = (DRAIN_MS * 3).to_string();
    let (exit, holder, _) = spawn_and_exit(&mut sc, &report, "bg", &["hold-pipe", "--ms", &hold_ms], keep_opts(), "holder");
    assert_eq!(exit["drain"], "cut", "exit: {exit}");
    assert_kept(&exit, &holder);
    let released = released_of(&mut sc, "bg");
    assert_eq!(released["reason"], "emptied", "released: {released}");
    assert_eq!(pids(&released["killed_pids"]), Vec::<i32>::new(), "released: {released}");
    assert_all_gone(&report, GONE);
}

#[test]
fn kill_policy_ends_the_leftover_before_the_exit() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("leftover"));
    let mut opts = keep_opts();
    opts["leftovers"] = json!("kill");
    let (exit, left, _) = spawn_and_exit(&mut sc, &report, "left", &["leftover"], opts, "leftover");
    assert!(exit.get("kept").is_none(), "kept is absent under kill: {exit}");
    assert!(pids(&exit["leftover_pids"]).contains(&left.pid), "exit: {exit}");
    // Gone at the exit itself, not some time after it.
    assert_eq!(survivors_now(&report), Vec::<Proc>::new(), "alive at the exit under kill");
    // No released follows, and the id is finished.
    let req = sc.cancel("left");
    assert_eq!(sc.wait_error(req), "unknown_child");
    assert!(sc.events().iter().all(|e| !e.is("released", "left")));
}
