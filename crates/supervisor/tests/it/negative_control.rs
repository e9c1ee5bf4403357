//! The leak checker must be able to fail: a daemon started behind the
//! sidecar's back (plain std::process::Command) is found alive, then killed.

use std::process::{Command, Stdio};

use crate::harness::leaks::{kill_safely, survivors_now, wait_gone};
use crate::harness::*;

#[test]
fn leak_check_finds_a_daemon_started_outside_the_sidecar() {
    let dir = TestDir::new();
    let report = Report::new(dir.report("daemon"));
    let argv = fixture_argv(report.path(), &["daemon"]);
    let mut root = Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start fixture daemon directly");
    let daemon = report.wait_role("daemon");

    // Nothing kills these, so a correct checker must see both still alive.
    let left = wait_gone(&report, std::time::Duration::from_millis(500));
    let left_pids: Vec<i32> = left.iter().map(|p| p.pid).collect();
    assert!(left_pids.contains(&daemon.pid), "checker missed the live daemon {daemon:?}: {left:?}");
    assert!(left_pids.contains(&(root.id() as i32)), "checker missed the live root: {left:?}");

    // Its own cleanup works: after killing by pid + start time, all gone.
    for p in &left {
        assert!(kill_safely(p), "could not kill {p:?}");
    }
    let _ = root.wait();
    assert_all_gone(&report, GONE);
    assert!(survivors_now(&report).is_empty());
}

#[test]
fn leak_check_ignores_a_reused_pid_with_another_start_time() {
    let dir = TestDir::new();
    let report = Report::new(dir.report("fake"));
    // Our own pid with a start time it never had: a recycled pid must not
    // count as the reported process (and must never be killed).
    let me = std::process::id();
    std::fs::write(
        report.path(),
        format!("{{\"kind\":\"pid\",\"pid\":{me},\"ppid\":1,\"start\":\"1\",\"role\":\"root\"}}\n"),
    )
    .unwrap();
    assert!(survivors_now(&report).is_empty(), "a pid with another start time counted as alive");
    assert!(!kill_safely(&report.procs()[0]));
}
