//! Requests on a finished child must never reach another process: its pid
//! may already belong to someone else.

use crate::harness::*;

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
fn signal_to_an_exited_child_is_refused_or_reaches_nobody() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let (_, live) = finished_and_live(&mut sc, &dir);
    let req = sc.signal("done", "SIGKILL");
    let answer = sc.wait_reply(req);
    // protocol.md gives `signalled` (with pids) or `error`; for a finished
    // child only an error, or a `signalled` naming no pid, is safe.
    match answer["event"].as_str() {
        Some("error") => {}
        Some("signalled") => assert_eq!(answer["pids"], json!([]), "signalled a finished child: {answer}"),
        _ => panic!("signal to a finished child answered with {answer}"),
    }
    assert_eq!(sc.exits_of("done").len(), 1, "a finished child exited again");
    assert_live_untouched(&mut sc, &live);
}

#[test]
fn cancel_of_an_exited_child_answers_with_its_exit_and_kills_nothing() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let (first, live) = finished_and_live(&mut sc, &dir);
    // protocol.md: cancel answers with the child's exit, "reason cancelled
    // unless it had already exited".
    sc.cancel("done");
    let again = sc.wait_nth_exit("done", 1);
    assert_eq!(again["reason"], "exited", "cancel after exit: {again}");
    assert_eq!(again["code"], first["code"], "cancel after exit: {again}");
    assert_eq!(again["killed_pids"], json!([]), "cancel after exit killed something: {again}");
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
