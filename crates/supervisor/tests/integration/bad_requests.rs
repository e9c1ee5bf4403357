//! Requests that cannot be served get their stable error code (echoing
//! `req`), and a child running alongside is never affected.

use crate::common::client::encode;
use crate::common::harness::*;

#[test]
fn requests_for_an_unknown_child_get_unknown_child() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let bystander = Bystander::start(&mut sc, &dir);
    let reqs = [
        sc.write("ghost", b"boo"),
        sc.cancel("ghost"),
        sc.signal("ghost", "SIGTERM"),
        sc.request(json!({"op": "close_stdin", "id": "ghost"})),
    ];
    for req in reqs {
        let answer = sc.wait_reply(req);
        assert_eq!(answer["event"], "error", "req {req}: {answer}");
        assert_eq!(answer["code"], "unknown_child", "req {req}: {answer}");
        assert_eq!(answer["id"], "ghost", "req {req}: {answer}");
    }
    // Acks for unknown ids are ignored silently, by design.
    sc.send_raw(encode(&json!({"op": "ack", "id": "ghost", "bytes": 10}), &[]));
    assert_in_sync(&mut sc, &dir, "after");
    assert!(
        sc.events().iter().all(|e| !(e.name() == "error" && e.req().is_none())),
        "an ack for an unknown id was answered"
    );
    bystander.assert_unharmed(&mut sc);
}

#[test]
fn reusing_a_live_or_finished_id_gets_duplicate_id() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let bystander = Bystander::start(&mut sc, &dir);
    let done = fixture_argv(&dir.report("done"), &["exit", "--code", "3"]);
    sc.spawn("done", &done, json!({}));
    sc.wait_exit("done");
    for id in ["bystander", "done"] {
        let req = sc.spawn_req(id, &done, json!({}));
        assert_eq!(sc.wait_error(req), "duplicate_id", "reusing {id}");
    }
    assert_eq!(sc.exits_of("done").len(), 1, "the refused duplicate produced an exit for the old id");
    bystander.assert_unharmed(&mut sc);
}

#[test]
fn missing_binary_gets_spawn_failed_with_enoent_then_an_exit() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let bystander = Bystander::start(&mut sc, &dir);
    let argv = vec![dir.path().join("no-such-binary").to_string_lossy().into_owned()];
    let req = sc.spawn_req("missing", &argv, json!({}));
    let err_at = sc.wait_index("answer to the spawn", HANG, |e| e.req() == Some(req));
    let err = sc.events()[err_at].header.clone();
    assert_eq!(err["event"], "error", "spawn of a missing binary: {err}");
    assert_eq!(err["code"], "spawn_failed", "{err}");
    assert_eq!(err["errno"], "ENOENT", "{err}");
    let exit_at = sc.wait_index("exit of missing", HANG, |e| e.is("exit", "missing"));
    assert!(exit_at > err_at, "the exit must follow the error");
    let exit = &sc.events()[exit_at].header;
    assert_eq!(exit["reason"], "spawn_failed", "{exit}");
    assert!(sc.events().iter().all(|e| !e.is("spawned", "missing")), "a failed spawn was reported spawned");
    bystander.assert_unharmed(&mut sc);
}

#[test]
fn missing_cwd_gets_bad_cwd() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let bystander = Bystander::start(&mut sc, &dir);
    let argv = fixture_argv(&dir.report("cwd"), &["cwd"]);
    let cwd = dir.path().join("no-such-dir");
    let req = sc.spawn_req("cwd", &argv, json!({"cwd": cwd, "stdout": "pipe"}));
    assert_eq!(sc.wait_error(req), "bad_cwd");
    assert!(sc.events().iter().all(|e| !e.is("spawned", "cwd")));
    bystander.assert_unharmed(&mut sc);
}

#[test]
fn env_with_equals_or_nul_gets_invalid_env() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let bystander = Bystander::start(&mut sc, &dir);
    let argv = fixture_argv(&dir.report("env"), &["env"]);
    let bad = [
        json!({"mode": "merge", "vars": {"A=B": "x"}}),
        json!({"mode": "merge", "vars": {"A\u{0}B": "x"}}),
        json!({"mode": "merge", "vars": {"A": "x\u{0}y"}}),
        json!({"mode": "replace", "vars": {"=A": "x"}}),
        json!({"mode": "merge", "vars": {"": "x"}}),
    ];
    for (n, env) in bad.into_iter().enumerate() {
        let id = format!("env-{n}");
        let req = sc.spawn_req(&id, &argv, json!({"env": env, "stdout": "pipe"}));
        assert_eq!(sc.wait_error(req), "invalid_env", "env {env}");
        assert!(sc.events().iter().all(|e| !e.is("spawned", &id)), "spawned with env {env}");
    }
    bystander.assert_unharmed(&mut sc);
}

#[test]
fn unknown_signal_names_get_unsupported_signal() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let bystander = Bystander::start(&mut sc, &dir);
    let report = Report::new(dir.report("sleep"));
    sc.spawn("sleep", &fixture_argv(report.path(), &["sleep"]), json!({}));
    let req = sc.signal("sleep", "SIGBOGUS");
    assert_eq!(sc.wait_error(req), "unsupported_signal");
    let req = sc.request(json!({"op": "cancel", "id": "sleep", "signal": "SIGWHAT"}));
    assert_eq!(sc.wait_error(req), "unsupported_signal");
    let argv = fixture_argv(&dir.report("never"), &["sleep"]);
    let req = sc.spawn_req("never", &argv, json!({"ladder": {"signal": "SIGNOPE"}}));
    assert_eq!(sc.wait_error(req), "unsupported_signal");
    // None of it touched the sleeper: it still runs until a real cancel.
    let root = report.wait_role("root");
    assert!(leaks::alive(root.pid, &root.start), "a refused signal request hit the child");
    assert!(sc.exits_of("sleep").is_empty());
    bystander.assert_unharmed(&mut sc);
    sc.cancel("sleep");
    assert_eq!(sc.wait_exit("sleep")["reason"], "cancelled");
    assert_all_gone(&report, GONE);
}

#[test]
fn malformed_spawns_get_bad_request() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let bystander = Bystander::start(&mut sc, &dir);
    let argv = fixture_argv(&dir.report("x"), &["exit", "--code", "0"]);
    let long_id = "x".repeat(129);
    let bad = [
        json!({"op": "spawn", "id": "a", "argv": []}),
        json!({"op": "spawn", "id": "b"}),
        json!({"op": "spawn", "id": "", "argv": argv}),
        json!({"op": "spawn", "id": long_id, "argv": argv}),
        json!({"op": "spawn", "id": "c", "argv": argv, "stdout": "sideways"}),
        json!({"op": "spawn", "id": "d", "argv": [1, 2]}),
    ];
    for header in bad {
        let req = sc.request(header.clone());
        assert_eq!(sc.wait_error(req), "bad_request", "request {header}");
    }
    // The limit is inclusive: a 128-byte id is fine.
    sc.spawn(&"y".repeat(128), &argv, json!({}));
    bystander.assert_unharmed(&mut sc);
}

#[test]
fn terminate_of_a_refused_pid_gets_bad_pid_and_hurts_no_child() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let bystander = Bystander::start(&mut sc, &dir);
    let host = std::process::id() as i64;
    let own = sc.pid() as i64;
    for pid in [json!(0), json!(1), json!(-1), json!(-host), json!(host), json!(own), json!("7"), json!([2])] {
        let req = sc.request(json!({"op": "terminate", "pid": pid}));
        assert_eq!(sc.wait_error(req), "bad_pid", "terminate of {pid}");
    }
    // Signal names are checked too; nothing is signalled either way.
    let req = sc.request(json!({"op": "terminate", "pid": i32::MAX - 1, "signal": "SIGWHAT"}));
    assert_eq!(sc.wait_error(req), "unsupported_signal");
    let req = sc.request(json!({"op": "terminate"}));
    assert_eq!(sc.wait_error(req), "bad_request");
    assert_in_sync(&mut sc, &dir, "after");
    bystander.assert_unharmed(&mut sc);
}
