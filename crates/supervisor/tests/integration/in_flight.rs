//! Cancel while data is in flight: stdin writes the child never reads, and
//! output the client has not acked yet. Nothing may hang, go unanswered, or
//! come out corrupted.

use std::time::{Duration, Instant};

use crate::common::harness::*;

#[test]
fn cancel_answers_every_pending_stdin_write() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("no-read"));
    sc.spawn("deaf", &fixture_argv(report.path(), &["no-read-stdin"]), json!({"stdin": "pipe"}));
    report.wait_role("root");
    // Six MiB against a pipe of (typically) 64 KiB: most of it must queue.
    let chunk = vec![b'x'; 1 << 20];
    let reqs: Vec<u64> = (0..6).map(|_| sc.write("deaf", &chunk)).collect();
    sc.pump(Duration::from_millis(300));
    sc.cancel("deaf");
    let exit = sc.wait_exit("deaf");
    assert_eq!(exit["reason"], "cancelled", "exit: {exit}");
    for req in reqs {
        let answer = sc.wait_reply(req);
        assert_eq!(answer["id"], "deaf", "answer to write {req}: {answer}");
        match answer["event"].as_str() {
            Some("written") => assert_eq!(answer["bytes"], 1 << 20, "partial written: {answer}"),
            Some("error") => assert_eq!(answer["code"], "stdin_closed", "write {req}: {answer}"),
            _ => panic!("write {req} answered with {answer}"),
        }
    }
    assert_all_gone(&report, GONE);
}

#[test]
fn cancel_during_unacked_flood_keeps_output_intact() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let window = sc.window();
    let report = Report::new(dir.report("flood"));
    sc.hold_acks("flood");
    let argv = fixture_argv(report.path(), &["flood", "--bytes", "8000000"]);
    sc.spawn("flood", &argv, piped(&["stdout"]));

    // Without acks the sidecar must stop once a window is out.
    let deadline = Instant::now() + HANG;
    while sc.received("flood", "stdout") < window {
        assert!(Instant::now() < deadline, "never received a full window of {window} bytes");
        sc.pump(Duration::from_millis(20));
    }
    sc.pump(Duration::from_millis(300));
    let stalled = sc.received("flood", "stdout");
    sc.pump(Duration::from_millis(300));
    assert_eq!(
        sc.received("flood", "stdout"),
        stalled,
        "output kept coming with {window}-byte window and no ack"
    );

    sc.cancel("flood");
    sc.pump(Duration::from_millis(300));
    assert!(sc.exits_of("flood").is_empty(), "exit came while unacked output was still in the pipe");
    sc.release_acks("flood");

    let out = sc.collect_output("flood");
    assert_eq!(out.exit["reason"], "cancelled", "exit: {}", out.exit);
    assert_eq!(out.exit["drain"], "complete", "the pipe was drained once acks came: {}", out.exit);
    assert_pattern_prefix("stdout", &out.stdout);
    assert!(out.stdout.len() as u64 >= stalled);
    assert_eq!(out.exit["bytes"]["stdout"], out.stdout.len() as u64, "exit: {}", out.exit);
    assert_all_gone(&report, GONE);
}
