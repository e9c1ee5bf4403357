//! `report_root_exit`: `root_exited` says how the root ended as soon as it
//! has, while descendants still run or hold the pipes, and always before the
//! `exit`; never unasked. `cancel`'s `grace_after_root_ms` bounds what the
//! rest of the tree gets once the root is gone.

use std::time::Instant;

use crate::common::harness::leaks::alive;
use crate::common::harness::*;

fn sh(script: &str) -> Vec<String> {
    vec!["/bin/sh".into(), "-c".into(), script.into()]
}

fn index_of(sc: &Sidecar, name: &str, id: &str) -> Option<usize> {
    sc.events().iter().position(|e| e.is(name, id))
}

#[test]
fn root_exited_comes_at_the_roots_exit_while_a_holder_keeps_the_pipe() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("hold"));
    let opts = json!({"stdout": "pipe", "drain_timeout_ms": 1000, "report_root_exit": true, "ladder": {"grace_ms": 200}});
    sc.spawn("h", &fixture_argv(report.path(), &["hold-pipe"]), opts);
    let root = sc.wait_event("root_exited of h", |e| e.is("root_exited", "h")).header;
    let holder = report.wait_role("holder");
    assert_eq!((root["code"].clone(), root["signal"].clone()), (json!(0), Value::Null), "{root}");
    // The drain is still waiting on the holder: the exit has not come, the holder lives.
    assert!(sc.exits_of("h").is_empty(), "root_exited came with the exit, not before it");
    assert!(alive(holder.pid, &holder.start), "the holder died before root_exited was read");
    let exit = sc.wait_exit("h");
    assert_eq!(exit["drain"], "cut", "{exit}");
    assert!(index_of(&sc, "root_exited", "h") < index_of(&sc, "exit", "h"));
    assert!(root["duration_ms"].as_u64() <= exit["duration_ms"].as_u64(), "{root} / {exit}");
}

#[test]
fn root_exited_names_a_signal_death_and_is_not_sent_unasked() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("sig"));
    sc.spawn("s", &fixture_argv(report.path(), &["exit", "--signal", "SIGKILL"]), json!({"report_root_exit": true}));
    let root = sc.wait_event("root_exited of s", |e| e.is("root_exited", "s")).header;
    assert_eq!((root["code"].clone(), root["signal"].clone()), (Value::Null, json!("SIGKILL")), "{root}");
    assert_eq!(sc.wait_exit("s")["signal"], "SIGKILL");

    sc.spawn("q", &fixture_argv(report.path(), &["exit", "--code", "3"]), json!({}));
    assert_eq!(sc.wait_exit("q")["code"], 3);
    assert_eq!(index_of(&sc, "root_exited", "q"), None, "root_exited was sent without report_root_exit");
}

#[test]
fn root_exited_comes_during_a_cancels_ladder_not_after_it() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("ladder"));
    // The shell dies of SIGTERM; its child ignores it and holds the ladder for the whole grace.
    let child = fixture_argv(report.path(), &["ignore-term"]).join(" ");
    sc.spawn("l", &sh(&format!("{child} & wait")), json!({"report_root_exit": true, "ladder": {"grace_ms": 5000}}));
    let ignorer = report.wait_role("root");
    sc.cancel("l");
    let root = sc.wait_event("root_exited of l", |e| e.is("root_exited", "l")).header;
    assert_eq!(root["signal"], "SIGTERM", "{root}");
    assert!(alive(ignorer.pid, &ignorer.start), "root_exited waited for the forceful step");
    let exit = sc.wait_exit("l");
    assert!(pids(&exit["killed_pids"]).contains(&ignorer.pid), "{exit}");
}

#[test]
fn grace_after_root_cuts_the_wait_for_the_rest_of_the_tree() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("after"));
    let child = fixture_argv(report.path(), &["ignore-term"]).join(" ");
    sc.spawn("a", &sh(&format!("{child} & wait")), json!({}));
    let ignorer = report.wait_role("root");
    let started = Instant::now();
    // A minute's grace, but 300 ms once the shell is gone: the exit comes long before the minute.
    sc.request(json!({"op": "cancel", "id": "a", "grace_ms": 60_000, "grace_after_root_ms": 300}));
    let exit = sc.wait_exit("a");
    assert!(started.elapsed() < HANG, "the ladder waited {:?}", started.elapsed());
    assert_eq!(exit["reason"], "cancelled", "{exit}");
    assert!(pids(&exit["killed_pids"]).contains(&ignorer.pid), "the ignorer was not killed by the forceful step: {exit}");
    assert_all_gone(&report, GONE);
}
