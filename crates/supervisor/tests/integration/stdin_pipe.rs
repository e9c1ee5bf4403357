//! Bytes written to a child's stdin arrive in order, `close_stdin` gives the
//! child EOF, and the stdin queue is bounded.

use crate::common::harness::*;

#[test]
fn stdin_bytes_round_trip_through_echo_in_order() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("echo"));
    sc.spawn("echo", &fixture_argv(report.path(), &["echo-stdin"]), piped(&["stdin", "stdout"]));
    let data = pattern(4 << 20);
    let reqs: Vec<(u64, usize)> = data.chunks(256 << 10).map(|c| (sc.write("echo", c), c.len())).collect();
    for (req, len) in reqs {
        let answer = sc.wait_reply(req);
        assert_eq!(answer["event"], "written", "write {req}: {answer}");
        assert_eq!(answer["bytes"], len, "write {req}: {answer}");
    }
    let req = sc.request(json!({"op": "close_stdin", "id": "echo"}));
    let closed = sc.wait_reply(req);
    assert_eq!(closed["event"], "written", "close_stdin: {closed}");
    assert_eq!(closed["bytes"], 0, "close_stdin: {closed}");
    assert_eq!(closed["closed"], true, "close_stdin: {closed}");

    let out = sc.collect_output("echo");
    assert_eq!(out.exit["code"], 0, "echo-stdin ends at EOF with 0: {}", out.exit);
    assert_pattern("echoed stdin", &out.stdout, data.len());
    let read = report.lines().into_iter().rfind(|l| l["kind"] == "read");
    let read = read.expect("echo-stdin reported no read total");
    assert_eq!(read["total"], data.len(), "{read}");
    assert_eq!(read["eof"], true, "{read}");
    assert_all_gone(&report, GONE);

    let req = sc.write("echo", b"after the end");
    assert_eq!(sc.wait_error(req), "stdin_closed");
}

#[test]
fn write_after_close_stdin_gets_stdin_closed() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("deaf"));
    sc.spawn("deaf", &fixture_argv(report.path(), &["no-read-stdin"]), json!({"stdin": "pipe"}));
    report.wait_role("root");
    let req = sc.request(json!({"op": "close_stdin", "id": "deaf"}));
    assert_eq!(sc.wait_reply(req)["event"], "written");
    let req = sc.write("deaf", b"hello");
    assert_eq!(sc.wait_error(req), "stdin_closed");
    sc.cancel("deaf");
    sc.wait_exit("deaf");
    assert_all_gone(&report, GONE);
}

#[test]
fn writes_beyond_the_stdin_queue_get_stdin_overflow() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let queue = sc.hello()["limits"]["stdin_queue"].as_u64().unwrap() as usize;
    let report = Report::new(dir.report("deaf"));
    sc.spawn("deaf", &fixture_argv(report.path(), &["no-read-stdin"]), json!({"stdin": "pipe"}));
    report.wait_role("root");
    // The child never reads: past one pipe buffer everything queues, so a
    // queue and a bit more must overflow.
    let chunk = vec![b'q'; 1 << 20];
    let n = queue / chunk.len() + 2;
    let reqs: Vec<u64> = (0..n).map(|_| sc.write("deaf", &chunk)).collect();
    sc.cancel("deaf");
    sc.wait_exit("deaf");
    let mut overflowed = 0;
    for req in reqs {
        let answer = sc.wait_reply(req);
        match (answer["event"].as_str(), answer["code"].as_str()) {
            (Some("error"), Some("stdin_overflow")) => overflowed += 1,
            (Some("error"), Some("stdin_closed")) | (Some("written"), _) => {}
            _ => panic!("write {req} answered with {answer}"),
        }
    }
    assert!(overflowed > 0, "{n} MiB to a child that never reads, queue {queue}: no stdin_overflow");
    assert_all_gone(&report, GONE);
}
