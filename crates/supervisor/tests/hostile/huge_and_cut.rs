//! Frames over the size limits are skipped by streaming their bytes away:
//! the sidecar's peak memory does not grow by the frame's size, and the
//! stream stays in sync. Frames cut short by EOF are answered with
//! `bad_frame`, then the sidecar ends every child and exits 0.

use crate::common::client::encode_raw;
use crate::common::harness::*;
use crate::common::procfs::status_kib;
use crate::common::sizes::full;

fn prefix(header_len: u32, payload_len: u32) -> Vec<u8> {
    let mut p = header_len.to_be_bytes().to_vec();
    p.extend_from_slice(&payload_len.to_be_bytes());
    p
}

fn peak_kib(sc: &Sidecar) -> u64 {
    status_kib(sc.pid(), "VmHWM")
}

#[test]
fn a_frame_far_over_the_limit_is_streamed_away_not_buffered() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("echo"));
    sc.spawn("echo", &fixture_argv(report.path(), &["echo-stdin"]), piped(&["stdin", "stdout"]));
    let max_payload = sc.hello()["limits"]["max_payload"].as_u64().unwrap();
    // 64 MiB by default, 1 GiB in the full run: 4 and 64 times the limit.
    let huge: u64 = if full() { 1 << 30 } else { 64 << 20 };
    let before = peak_kib(&sc);
    let header = br#"{"op":"write","req":77,"id":"echo"}"#;
    sc.send_raw([prefix(header.len() as u32, huge as u32), header.to_vec()].concat());
    // Sent in 16 MiB pieces: the bytes look like frames, so only a skip by
    // length (not by content) keeps the stream in sync.
    let fake = encode_raw(br#"{"op":"shutdown","req":1}"#, &[]);
    let piece: Vec<u8> = fake.iter().cycle().take(16 << 20).copied().collect();
    for _ in 0..huge / piece.len() as u64 {
        sc.send_raw(piece.clone());
    }
    let req = sc.write("echo", b"still in sync\n");
    let answer = sc.wait_reply(req);
    assert_eq!(answer["event"], "written", "{answer}");
    let err = sc.wait_event("frame_too_large", |e| e.name() == "error");
    assert_eq!(err.header["code"], "frame_too_large", "{}", err.brief());
    // Only the payload was over: the header was read, so the error names the request.
    assert_eq!((err.req(), err.id()), (Some(77), Some("echo")), "{}", err.brief());
    let after = peak_kib(&sc);
    eprintln!(
        "skipping a {} MiB frame (limit {} MiB): sidecar VmHWM {before} KiB -> {after} KiB",
        huge >> 20,
        max_payload >> 20
    );
    assert!(
        after - before < (max_payload / 1024),
        "peak memory grew by {} KiB while skipping a {huge}-byte frame: it was buffered",
        after - before
    );
    let req = sc.request(json!({"op": "close_stdin", "id": "echo"}));
    sc.wait_reply(req);
    let out = sc.collect_output("echo");
    assert_eq!(out.stdout, b"still in sync\n", "bytes of the skipped frame reached the child");
    assert!(sc.events().iter().all(|e| e.name() != "goodbye"), "a shutdown inside the skipped bytes was obeyed");
    assert_all_gone(&report, GONE);
}

#[test]
fn lengths_near_u32_max_followed_by_eof_end_cleanly() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("sleep"));
    sc.spawn("sleep", &fixture_argv(report.path(), &["sleep"]), piped(&["stdout"]));
    let before = peak_kib(&sc);
    sc.send_raw([prefix(u32::MAX, u32::MAX), vec![b'{'; 1 << 20]].concat());
    sc.pump(std::time::Duration::from_millis(300));
    let during = peak_kib(&sc);
    sc.close_stdin();
    let err = sc.wait_event("bad_frame", |e| e.name() == "error");
    assert_eq!(err.header["code"], "bad_frame", "{}", err.brief());
    assert_eq!(sc.wait_exit("sleep")["reason"], "cancelled");
    let status = sc.wait_status(HANG);
    assert!(status.is_some_and(|s| s.success()), "exit status {status:?}");
    assert!(during - before < 8 * 1024, "declared 8 GiB made the peak grow by {} KiB", during - before);
    assert_all_gone(&report, GONE);
}

/// Frames cut at every kind of place, each followed by EOF.
#[test]
fn a_frame_cut_by_eof_gets_bad_frame_then_a_clean_exit() {
    let header = br#"{"op":"write","req":3,"id":"cat"}"#;
    let whole = encode_raw(header, b"0123456789");
    let cuts: Vec<(&str, Vec<u8>)> = vec![
        ("inside the length prefix", whole[..3].to_vec()),
        ("inside the header", whole[..8 + header.len() / 2].to_vec()),
        ("inside the payload", whole[..whole.len() - 4].to_vec()),
        ("inside a skipped oversized frame", [prefix(64 << 20, 0), vec![b' '; 1 << 20]].concat()),
    ];
    for (what, bytes) in cuts {
        let dir = TestDir::new();
        let mut sc = Sidecar::start(&dir);
        let report = Report::new(dir.report("cat"));
        sc.spawn("cat", &fixture_argv(report.path(), &["echo-stdin"]), piped(&["stdin", "stdout"]));
        let req = sc.write("cat", b"before\n");
        sc.wait_reply(req);
        // Echoed before the cut: the EOF below cancels the child at once.
        sc.wait_event("the echo of before", |e| e.is("output", "cat"));
        sc.send_raw(bytes);
        sc.close_stdin();
        let err = sc.wait_event(&format!("bad_frame for a frame cut {what}"), |e| e.name() == "error");
        assert_eq!(err.header["code"], "bad_frame", "cut {what}: {}", err.brief());
        let out = sc.collect_output("cat");
        assert_eq!(out.stdout, b"before\n", "cut {what}: the child got bytes of the cut frame");
        assert!(matches!(out.exit["reason"].as_str(), Some("cancelled" | "exited")), "cut {what}: {}", out.exit);
        let status = sc.wait_status(HANG);
        assert!(status.is_some_and(|s| s.success()), "cut {what}: exit status {status:?}");
        assert_all_gone(&report, GONE);
    }
}
