//! Requests on a finished child must never reach another process: its pid
//! may already belong to someone else.

use crate::common::harness::*;

/// A finished child, plus a live sleeper that must survive whatever is
/// asked of the finished one.
fn finished_and_live(sc: &mut Sidecar, dir: &TestDir) -> (Value, Report) {
    let argv = fixture_argv(&dir.report("done"), &["exit", "--code", "0"]);
    sc.spawn("done", &argv, json!({}));
    let exit = sc.wait_exit("done");
    assert_eq!(exit["code"], 0);
    let live = Report::new(dir.report("live"));
    sc.spawn("live", &fixture_argv(live.path(), &["trap"]), json!({}));
    live.wait_role("root");
    (exit, live)
}

fn assert_live_untouched(sc: &mut Sidecar, live: &Report) {
    let root = live.wait_role("root");
    assert!(leaks::alive(root.pid, &root.start), "the live child died");
    assert!(live.signals_of(root.pid).is_empty(), "the live child got a signal meant for another");
    assert!(sc.exits_of("live").is_empty());
    sc.cancel("live");
    sc.wait_exit("live");
    assert_all_gone(live, GONE);
}

#[test]
fn signal_to_an_exited_child_is_unknown_child_and_reaches_nobody() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let (_, live) = finished_and_live(&mut sc, &dir);
    let req = sc.signal("done", "SIGKILL");
    // protocol.md: once the exit was sent the pids may belong to others, so
    // the answer is `unknown_child`, never a `signalled`.
    let answer = sc.wait_reply(req);
    assert_eq!(answer["event"], "error", "signal to a finished child: {answer}");
    assert_eq!(answer["code"], "unknown_child", "signal to a finished child: {answer}");
    assert_eq!(sc.exits_of("done").len(), 1, "a finished child exited again");
    assert_live_untouched(&mut sc, &live);
}

#[test]
fn cancel_of_an_exited_child_is_unknown_child_and_kills_nothing() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let (_, live) = finished_and_live(&mut sc, &dir);
    let req = sc.cancel("done");
    assert_eq!(sc.wait_error(req), "unknown_child", "cancel after the exit was sent");
    assert_eq!(sc.exits_of("done").len(), 1, "a finished child exited again");
    assert_live_untouched(&mut sc, &live);
}

#[test]
fn write_to_an_exited_child_gets_stdin_closed() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let argv = fixture_argv(&dir.report("done"), &["exit", "--code", "0"]);
    sc.spawn("done", &argv, json!({"stdin": "pipe"}));
    sc.wait_exit("done");
    let req = sc.write("done", b"too late");
    assert_eq!(sc.wait_error(req), "stdin_closed");
}
