//! The leak checker must be able to fail: a daemon started behind the
//! sidecar's back (plain std::process::Command) is found alive, then killed.

use std::process::{Command, Stdio};

use crate::common::harness::leaks::{kill_safely, survivors_now, wait_gone};
use crate::common::harness::*;
use crate::common::client::Event;
use crate::common::harness;

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

#[test]
fn pattern_check_catches_a_lost_or_swapped_byte() {
    let good = pattern(100_000);
    assert!(harness::pattern::first_mismatch(&good).is_none());
    let mut lost = good.clone();
    lost.remove(50_000);
    // Found at or just after the gap (neighbouring bytes may be equal).
    assert!(harness::pattern::first_mismatch(&lost).is_some_and(|at| (50_000..50_016).contains(&at)));
    let mut swapped = good.clone();
    swapped.swap(16 * 7 + 14, 16 * 9 + 14); // the last digits, "7" and "9"
    assert!(harness::pattern::first_mismatch(&swapped).is_some());
}

#[test]
fn stream_invariants_catch_wrong_exit_totals_and_late_output() {
    use crate::common::harness::events::Invariants;
    let ev = |header: Value, payload: &[u8]| Event { header, payload: payload.to_vec() };
    let exit = |stdout: u64| {
        json!({"event": "exit", "id": "c", "reason": "exited", "code": 0, "signal": null,
               "bytes": {"stdout": stdout, "stderr": 0}, "drain": "complete",
               "killed_pids": [], "leftover_pids": [], "duration_ms": 1})
    };
    let out = json!({"event": "output", "id": "c", "stream": "stdout"});

    let mut inv = Invariants::default();
    inv.check(&ev(out.clone(), b"0123")).unwrap();
    assert!(inv.check(&ev(exit(5), &[])).is_err(), "wrong exit.bytes accepted");

    let mut inv = Invariants::default();
    inv.check(&ev(out.clone(), b"0123")).unwrap();
    inv.check(&ev(exit(4), &[])).unwrap();
    assert!(inv.check(&ev(out, b"x")).is_err(), "output after exit accepted");
    assert!(inv.check(&ev(exit(4), &[])).is_err(), "a second exit accepted");

    let mut inv = Invariants::default();
    let mut folded = exit(0);
    folded["signal"] = json!("SIGTERM");
    assert!(inv.check(&ev(folded, &[])).is_err(), "code and signal both set accepted");
}
