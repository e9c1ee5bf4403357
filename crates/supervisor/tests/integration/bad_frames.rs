//! Frames that cannot be served are answered with an `error` and skipped;
//! the stream stays in sync and running children are untouched.

use std::time::Duration;

use crate::common::client::encode_raw;
use crate::common::harness::*;

/// Waits for the next `error` event (after index `from`) whose code is in
/// `codes`; returns its index and header.
fn next_error(sc: &mut Sidecar, from: usize, codes: &[&str]) -> (usize, Value) {
    let what = format!("error {codes:?}");
    let i = sc.wait_index_from(from, &what, HANG, |e| {
        e.name() == "error" && codes.iter().any(|c| e.header["code"] == *c)
    });
    (i, sc.events()[i].header.clone())
}

#[test]
fn malformed_json_header_is_answered_and_skipped() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let bystander = Bystander::start(&mut sc, &dir);
    sc.send_raw(encode_raw(b"{\"op\": \"spawn\", not json", &[]));
    next_error(&mut sc, 0, &["bad_frame"]);
    assert_in_sync(&mut sc, &dir, "after");
    bystander.assert_unharmed(&mut sc);
}

#[test]
fn non_object_headers_are_answered_and_skipped() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let bystander = Bystander::start(&mut sc, &dir);
    let mut from = 0;
    // The doc reads "not a JSON object of a known shape gives bad_frame /
    // bad_request": either code is acceptable, silence is not.
    for header in [&b"[1, 2]"[..], b"42", b"\"spawn\"", b"null"] {
        sc.send_raw(encode_raw(header, &[]));
        from = next_error(&mut sc, from, &["bad_frame", "bad_request"]).0 + 1;
    }
    assert_in_sync(&mut sc, &dir, "after");
    bystander.assert_unharmed(&mut sc);
}

#[test]
fn unknown_op_gets_bad_request_echoing_its_req() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let bystander = Bystander::start(&mut sc, &dir);
    let req = sc.request(json!({"op": "frobnicate", "id": "bystander"}));
    assert_eq!(sc.wait_error(req), "bad_request");
    let req = sc.request(json!({"id": "bystander"}));
    assert_eq!(sc.wait_error(req), "bad_request", "a request without op");
    assert_in_sync(&mut sc, &dir, "after");
    bystander.assert_unharmed(&mut sc);
}

#[test]
fn oversized_header_is_skipped_without_losing_sync() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let bystander = Bystander::start(&mut sc, &dir);
    let max = sc.hello()["limits"]["max_header"].as_u64().unwrap() as usize;
    // Valid-looking JSON all the way, so only the length is wrong.
    let mut header = br#"{"op":"shutdown","req":4242,"pad":""#.to_vec();
    header.resize(max + 1 - 2, b'a');
    header.extend_from_slice(b"\"}");
    sc.send_raw(encode_raw(&header, &[]));
    let (_, err) = next_error(&mut sc, 0, &["frame_too_large"]);
    // Skipped unread, yet answered as the request it was: a client waiting
    // for req 4242 is not left waiting.
    assert_eq!(err["req"], 4242, "{err}");
    assert_in_sync(&mut sc, &dir, "after");
    assert!(sc.events().iter().all(|e| e.name() != "goodbye"), "the oversized shutdown was obeyed");
    bystander.assert_unharmed(&mut sc);
}

#[test]
fn oversized_payload_is_skipped_and_never_reaches_the_child() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let bystander = Bystander::start(&mut sc, &dir);
    let report = Report::new(dir.report("echo"));
    sc.spawn("echo", &fixture_argv(report.path(), &["echo-stdin"]), json!({"stdin": "pipe", "stdout": "pipe"}));
    let max = sc.hello()["limits"]["max_payload"].as_u64().unwrap() as usize;
    let header = serde_json::to_vec(&json!({"op": "write", "req": 999, "id": "echo"})).unwrap();
    sc.send_raw(encode_raw(&header, &vec![b'X'; max + 1]));
    let (_, err) = next_error(&mut sc, 0, &["frame_too_large"]);
    assert_eq!((&err["req"], &err["id"]), (&json!(999), &json!("echo")), "{err}");
    let req = sc.write("echo", b"hello\n");
    assert_eq!(sc.wait_reply(req)["event"], "written");
    let req = sc.request(json!({"op": "close_stdin", "id": "echo"}));
    let closed = sc.wait_reply(req);
    assert_eq!(closed["event"], "written", "close_stdin: {closed}");
    assert_eq!(closed["closed"], true, "close_stdin: {closed}");
    let out = sc.collect_output("echo");
    assert_eq!(out.stdout, b"hello\n", "the child saw bytes of the skipped frame");
    assert_eq!(out.exit["code"], 0, "exit: {}", out.exit);
    bystander.assert_unharmed(&mut sc);
    assert_all_gone(&report, GONE);
}

/// A header that is not JSON past its first keys still names its request.
#[test]
fn a_broken_header_is_answered_with_the_req_it_starts_with() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    sc.send_raw(encode_raw(br#"{"op":"cancel","req":31,"id":"nobody","signal":SIG"#, &[]));
    let (_, err) = next_error(&mut sc, 0, &["bad_frame"]);
    assert_eq!((&err["req"], &err["id"]), (&json!(31), &json!("nobody")), "{err}");
}

#[test]
fn truncated_frame_then_eof_gives_bad_frame_and_a_clean_exit() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("tree"));
    sc.spawn("tree", &fixture_argv(report.path(), &["tree", "--depth", "1", "--width", "2"]), json!({}));
    report.wait_procs(3);
    let mut cut = encode_raw(br#"{"op":"cancel","req":5,"id":"tree"}"#, &[]);
    cut.truncate(8 + 10);
    sc.send_raw(cut);
    sc.pump(Duration::from_millis(200));
    sc.close_stdin();
    next_error(&mut sc, 0, &["bad_frame"]);
    let status = sc.wait_status(HANG);
    assert!(status.is_some_and(|s| s.success()), "after EOF the sidecar exits 0, got {status:?}");
    assert_eq!(sc.wait_exit("tree")["reason"], "cancelled");
    assert_all_gone(&report, GONE);
}
