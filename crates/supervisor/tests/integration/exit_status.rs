//! Exit codes and signal deaths come back as they happened, never folded
//! into each other.

use crate::common::harness::*;

#[test]
fn every_exit_code_from_0_to_255_is_reported_as_code() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = dir.report("exit");
    // All at once through one sidecar: quick, and a test of concurrency too.
    for code in 0..=255 {
        let argv = fixture_argv(&report, &["exit", "--code", &code.to_string()]);
        sc.spawn_req(&format!("code-{code}"), &argv, json!({}));
    }
    for code in 0..=255u64 {
        let exit = sc.wait_exit(&format!("code-{code}"));
        assert_eq!(exit["reason"], "exited", "exit: {exit}");
        assert_eq!(exit["code"], code, "exit: {exit}");
        assert!(exit["signal"].is_null(), "exit: {exit}");
    }
}

#[test]
fn death_by_signal_is_reported_as_signal_not_code() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = dir.report("exit");
    for sig in ["SIGKILL", "SIGTERM", "SIGSEGV"] {
        sc.spawn(sig, &fixture_argv(&report, &["exit", "--signal", sig]), json!({}));
    }
    for sig in ["SIGKILL", "SIGTERM", "SIGSEGV"] {
        let exit = sc.wait_exit(sig);
        assert_eq!(exit["reason"], "exited", "nobody cancelled it: {exit}");
        assert_eq!(exit["signal"], sig, "exit: {exit}");
        assert!(exit["code"].is_null(), "a signal death must not carry a code: {exit}");
    }
}
