//! The documented limits hold exactly at their boundaries: a frame of
//! `max_header` / `max_payload` bytes is served, one byte more is
//! `frame_too_large`; the `max_children + 1`-th live child is
//! `too_many_children`, and the slot comes back when a child ends.

use std::process::{Command, Stdio};

use crate::common::client::encode_raw;
use crate::common::harness::*;

#[test]
fn hello_announces_the_documented_limits() {
    let dir = TestDir::new();
    let sc = Sidecar::start(&dir);
    let limits = &sc.hello()["limits"];
    // Room for the largest command line and environment Linux admits (6 MiB
    // of strings), escaped as JSON at worst: docs/reference/protocol.md, "Framing".
    assert_eq!(limits["max_header"], (1 << 20) + 6 * (6 << 20), "{limits}");
    assert_eq!(limits["max_payload"], 16 << 20, "{limits}");
    assert_eq!(limits["max_children"], 4096, "{limits}");
}

#[test]
fn a_header_of_exactly_max_header_is_served_and_one_more_byte_is_refused() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let max = sc.hello()["limits"]["max_header"].as_u64().unwrap() as usize;
    // Trailing whitespace is valid JSON: the length is all that differs.
    let padded = |req: u64, len: usize| {
        let mut h = format!(r#"{{"op":"cancel","req":{req},"id":"ghost"}}"#).into_bytes();
        h.resize(len, b' ');
        encode_raw(&h, &[])
    };
    sc.send_raw(padded(9001, max));
    assert_eq!(sc.wait_error(9001), "unknown_child", "a header of exactly max_header bytes was not served");
    sc.send_raw(padded(9002, max + 1));
    let req = sc.request(json!({"op": "cancel", "id": "ghost"}));
    sc.wait_reply(req);
    let refused: Vec<&Value> = sc.events().iter().filter(|e| e.name() == "error").map(|e| &e.header).collect();
    assert_eq!(refused.len(), 3, "{refused:?}");
    // Skipped unread, but answered as the request it was: its head names it.
    assert_eq!((&refused[1]["code"], &refused[1]["req"], &refused[1]["id"]), (&json!("frame_too_large"), &json!(9002), &json!("ghost")), "{refused:?}");
    let answers = sc.events().iter().filter(|e| e.req() == Some(9002)).count();
    assert_eq!(answers, 1, "the oversized request was answered as served, or more than once");
}

#[test]
fn a_payload_of_exactly_max_payload_is_served_and_one_more_byte_is_refused() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let max = sc.hello()["limits"]["max_payload"].as_u64().unwrap() as usize;
    let report = Report::new(dir.report("echo"));
    sc.spawn("echo", &fixture_argv(report.path(), &["echo-stdin"]), piped(&["stdin", "stdout"]));
    let bytes = pattern(max + 1);
    let req = sc.write("echo", &bytes[..max]);
    let written = sc.wait_reply(req);
    assert_eq!((written["event"].as_str(), written["bytes"].as_u64()), (Some("written"), Some(max as u64)), "{written}");
    let over = serde_json::to_vec(&json!({"op": "write", "req": 4242, "id": "echo"})).unwrap();
    sc.send_raw(encode_raw(&over, &bytes));
    let req = sc.request(json!({"op": "close_stdin", "id": "echo"}));
    assert_eq!(sc.wait_reply(req)["closed"], true);
    let errors: Vec<&Value> = sc.events().iter().filter(|e| e.name() == "error").map(|e| &e.header).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["code"], "frame_too_large", "{errors:?}");
    let out = sc.collect_output("echo");
    assert_pattern("echo of exactly max_payload bytes", &out.stdout, max);
    assert_all_gone(&report, GONE);
}

#[test]
fn the_child_after_max_children_is_refused_until_a_slot_frees() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start_with(&dir, |cmd| {
        cmd.args(["--max-children", "5"]);
    });
    assert_eq!(sc.hello()["limits"]["max_children"], 5);
    let report = Report::new(dir.report("sleepers"));
    let sleep = fixture_argv(report.path(), &["sleep"]);
    for i in 0..5 {
        sc.spawn(&format!("s{i}"), &sleep, json!({}));
    }
    let req = sc.spawn_req("s5", &sleep, json!({}));
    let refused = sc.wait_reply(req);
    assert_eq!((refused["event"].as_str(), refused["code"].as_str()), (Some("error"), Some("too_many_children")), "{refused}");
    assert_eq!(refused["id"], "s5", "{refused}");
    assert!(refused["message"].as_str().is_some_and(|m| m.contains('5')), "the message names the limit: {refused}");
    // Even a spawn that would fail is refused first: nothing is forked.
    let req = sc.spawn_req("missing", &["/nonexistent/x".to_string()], json!({}));
    assert_eq!(sc.wait_error(req), "too_many_children");
    // Each sleeper has reported itself before it is cancelled, so the count
    // below says how many ran.
    report.wait_procs(5);
    sc.cancel("s0");
    sc.wait_exit("s0");
    // The refused id was never taken: it can be used once a slot is free.
    sc.spawn("s5", &sleep, json!({}));
    report.wait_procs(6);
    for id in ["s1", "s2", "s3", "s4", "s5"] {
        sc.cancel(id);
        assert_eq!(sc.wait_exit(id)["reason"], "cancelled");
    }
    assert!(sc.exits_of("missing").is_empty(), "a refused spawn produced an exit");
    assert_eq!(report.procs().len(), 6, "exactly six sleepers ran");
    assert_all_gone(&report, GONE);
}

#[test]
fn a_bad_max_children_flag_is_a_usage_error() {
    for args in [&["--max-children"][..], &["--max-children", "many"], &["--max-children", "-1"]] {
        let out = Command::new(crate::common::fixture::SIDECAR).args(args).stdin(Stdio::null()).output().expect("run the sidecar");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {:?}", out.status);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--max-children"), "{args:?}: stderr {stderr:?}");
        assert!(out.stdout.is_empty(), "{args:?}: wrote to the protocol stream");
    }
}
