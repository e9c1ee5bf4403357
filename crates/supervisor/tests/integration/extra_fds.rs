//! Descriptors beyond stdio (`spawn.fds`): an output, an input, several at
//! once with a gap between them, a duplex one answering on the descriptor
//! it was asked on; each with the framing, credit window and drain of
//! stdout, and the child holding exactly stdio and what was asked for.

use std::time::{Duration, Instant};

use crate::common::harness::*;

fn fixture_cmd(args: &[&str]) -> Vec<String> {
    let mut argv = vec![fixture::fixture_path().to_string_lossy().into_owned()];
    argv.extend(args.iter().map(|a| a.to_string()));
    argv
}

fn sh(script: &str) -> Vec<String> {
    vec!["/bin/sh".into(), "-c".into(), script.into()]
}

#[test]
fn an_output_descriptor_is_relayed_as_its_own_stream_and_counted_in_the_exit() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let opts = json!({"stdout": "pipe", "fds": [{"fd": 3, "mode": "output"}]});
    sc.spawn("o", &fixture_cmd(&["fd-write", "--fd", "3", "--text", "on fd3"]), opts);
    let out = sc.collect_output("o");
    assert_eq!(out.exit["code"], 0, "{}", out.exit);
    assert_eq!(out.fds.get("fd3").map(Vec::as_slice), Some(&b"on fd3"[..]), "{:?}", out.fds);
    assert_eq!(out.exit["bytes"], json!({"stdout": 0, "stderr": 0, "fd3": 6}), "{}", out.exit);
    assert_eq!(out.exit["drain"], "complete", "{}", out.exit);
}

#[test]
fn an_input_descriptor_takes_writes_and_its_close_is_the_childs_eof() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let opts = json!({"stdout": "pipe", "fds": [{"fd": 3, "mode": "input"}]});
    sc.spawn("i", &fixture_cmd(&["fd-copy", "--from", "3", "--to", "1", "--prefix", "got:"]), opts);
    let w = sc.write_fd("i", 3, b"data from the client");
    let written = sc.wait_reply(w);
    assert_eq!((written["event"].as_str(), written["fd"].as_u64(), written["bytes"].as_u64()), (Some("written"), Some(3), Some(20)), "{written}");
    let c = sc.close_fd("i", 3);
    assert_eq!(sc.wait_reply(c)["closed"], true);
    let out = sc.collect_output("i");
    assert_eq!(out.exit["code"], 0, "{}", out.exit);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "got:data from the client");
    // stdin is its own channel: the child's stdin was not piped.
    let req = sc.write("i", b"x");
    assert_eq!(sc.wait_error(req), "stdin_closed");
}

#[test]
fn several_descriptors_with_a_gap_reach_the_child_as_asked_and_nothing_else() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let fds = json!([{"fd": 5, "mode": "output"}, {"fd": 3, "mode": "output"}, {"fd": 7, "mode": "input"}]);
    sc.spawn("g", &sh("echo three >&3; echo five >&5"), json!({"fds": fds}));
    let out = sc.collect_output("g");
    assert_eq!(out.exit["code"], 0, "{}", out.exit);
    assert_eq!(out.fds.get("fd3").map(|b| String::from_utf8_lossy(b).into_owned()).as_deref(), Some("three\n"));
    assert_eq!(out.fds.get("fd5").map(|b| String::from_utf8_lossy(b).into_owned()).as_deref(), Some("five\n"));
    assert_eq!(out.exit["bytes"], json!({"stdout": 0, "stderr": 0, "fd3": 6, "fd5": 5}), "{}", out.exit);

    // The same set as the child's own descriptor table shows it: 4 and 6 are closed.
    sc.spawn("t", &fixture_cmd(&["fds"]), json!({"stdout": "pipe", "fds": fds}));
    let out = sc.collect_output("t");
    let table: Value = serde_json::from_slice(&out.stdout).expect("fds prints JSON");
    assert_eq!(table["fds"], json!([0, 1, 2, 3, 5, 7]), "{table}");
}

#[test]
fn a_duplex_descriptor_answers_on_itself_after_the_clients_half_close() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let opts = json!({"fds": [{"fd": 3, "mode": "duplex"}]});
    sc.spawn("d", &fixture_cmd(&["fd-copy", "--from", "3", "--to", "3", "--prefix", "pong:"]), opts);
    let w = sc.write_fd("d", 3, b"ping");
    assert_eq!(sc.wait_reply(w)["event"], "written");
    // Only the write direction closes: the child reads EOF and can still answer.
    let c = sc.close_fd("d", 3);
    assert_eq!(sc.wait_reply(c)["closed"], true);
    let out = sc.collect_output("d");
    assert_eq!(out.exit["code"], 0, "{}", out.exit);
    assert_eq!(out.fds.get("fd3").map(|b| String::from_utf8_lossy(b).into_owned()).as_deref(), Some("pong:ping"));
}

#[test]
fn a_descendant_holding_an_output_descriptor_is_cut_at_the_drain_deadline() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    // The background sleep inherits fd 3 and holds it; stdout and stderr are not piped.
    let opts = json!({"fds": [{"fd": 3, "mode": "output"}], "drain_timeout_ms": 500, "ladder": {"grace_ms": 200}});
    let started = Instant::now();
    sc.spawn("h", &sh("sleep 30 & echo early >&3"), opts);
    let out = sc.collect_output("h");
    assert!(started.elapsed() < HANG, "the held descriptor held the exit for {:?}", started.elapsed());
    assert_eq!(out.exit["drain"], "cut", "{}", out.exit);
    assert!(out.exit["duration_ms"].as_u64().unwrap() >= 500, "cut before the drain deadline: {}", out.exit);
    assert_eq!(out.fds.get("fd3").map(Vec::as_slice), Some(&b"early\n"[..]), "bytes before the cut are delivered");
    assert_eq!(pids(&out.exit["leftover_pids"]).len(), 1, "the holder is a leftover: {}", out.exit);
}

#[test]
fn an_unacked_output_descriptor_stops_at_the_credit_window() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let window = sc.window();
    sc.hold_acks("w");
    let opts = json!({"fds": [{"fd": 3, "mode": "output"}]});
    sc.spawn("w", &sh("head -c 8000000 /dev/zero >&3"), opts);
    let deadline = Instant::now() + HANG;
    while sc.received("w", "fd3") < window {
        assert!(Instant::now() < deadline, "never received a full window of {window} bytes");
        sc.pump(Duration::from_millis(20));
    }
    sc.pump(Duration::from_millis(300));
    let stalled = sc.received("w", "fd3");
    sc.pump(Duration::from_millis(300));
    assert_eq!(sc.received("w", "fd3"), stalled, "fd3 output kept coming past the {window}-byte window without acks");
    assert!(sc.exits_of("w").is_empty(), "exit came while fd3 output was still in the pipe");
    sc.release_acks("w");
    let out = sc.collect_output("w");
    assert_eq!(out.exit["bytes"]["fd3"], 8_000_000, "{}", out.exit);
    assert!(out.fds["fd3"].iter().all(|&b| b == 0));
}

#[test]
fn bad_descriptor_lists_are_refused_and_start_nothing() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("never"));
    for fds in [
        json!([{"fd": 2, "mode": "output"}]),
        json!([{"fd": 256, "mode": "output"}]),
        json!([{"fd": 3, "mode": "output"}, {"fd": 3, "mode": "input"}]),
        json!([{"fd": 3, "mode": "sideways"}]),
    ] {
        let req = sc.spawn_req("bad", &fixture_argv(report.path(), &["sleep"]), json!({"fds": fds}));
        assert_eq!(sc.wait_error(req), "bad_request", "fds {fds}");
    }
    assert!(report.procs().is_empty(), "a refused spawn started {:?}", report.procs());
    // A write to a descriptor that is not an input of the child.
    sc.spawn("o", &fixture_cmd(&["sleep"]), json!({"fds": [{"fd": 3, "mode": "output"}]}));
    for fd in [3, 4] {
        let req = sc.write_fd("o", fd, b"x");
        assert_eq!(sc.wait_error(req), "bad_request", "write to fd {fd}");
    }
    sc.cancel("o");
    sc.wait_exit("o");
}

#[test]
fn a_missing_program_with_extra_descriptors_still_fails_with_its_errno() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let fds = json!([{"fd": 3, "mode": "output"}, {"fd": 4, "mode": "input"}, {"fd": 9, "mode": "duplex"}]);
    let req = sc.spawn_req("m", &["/nonexistent/pawwork-missing".to_string()], json!({"fds": fds}));
    let err = sc.wait_reply(req);
    assert_eq!((err["code"].as_str(), err["errno"].as_str()), (Some("spawn_failed"), Some("ENOENT")), "{err}");
    assert_eq!(sc.wait_exit("m")["reason"], "spawn_failed");
}
