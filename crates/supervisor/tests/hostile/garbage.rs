//! Random bad frames thrown at a sidecar that is serving well-behaved
//! children: every bad frame is answered by exactly one `error` with the
//! expected code (an `ack` for an unknown id by none, as documented), the
//! stream stays in sync, and the other children's bytes arrive intact.

use crate::common::client::encode_raw;
use crate::common::harness::*;
use crate::common::rng::Rng;
use crate::common::sizes::size;

/// One bad frame and the error codes that may answer it (empty: no answer).
struct Bad {
    bytes: Vec<u8>,
    codes: &'static [&'static str],
}

const NOT_JSON: &[&str] = &["bad_frame"];
const EITHER: &[&str] = &["bad_frame", "bad_request"];
const BAD_REQUEST: &[&str] = &["bad_request"];

/// Well-formed JSON with the wrong shape: every one must be refused whole.
const WRONG_TYPES: &[&str] = &[
    r#"{"op":"spawn","req":"1","id":"w","argv":["x"]}"#,
    r#"{"op":"spawn","req":1,"id":5,"argv":["x"]}"#,
    r#"{"op":"spawn","req":1,"id":"w","argv":"x"}"#,
    r#"{"op":"spawn","req":1,"id":"w","argv":[1,2]}"#,
    r#"{"op":"spawn","req":1,"id":"w","argv":["x"],"stdout":"file"}"#,
    r#"{"op":"spawn","req":1,"id":"w","argv":["x"],"env":{"mode":"merge"}}"#,
    r#"{"op":"spawn","req":1,"id":"w","argv":["x"],"env":{"mode":"replace","vars":{"A":null}}}"#,
    r#"{"op":"spawn","req":1,"id":"w","argv":["x"],"timeout_ms":-1}"#,
    r#"{"op":"spawn","req":1,"id":"w","argv":["x"],"bogus":1}"#,
    r#"{"op":5,"req":1}"#,
    r#"{"req":1,"id":"w"}"#,
    r#"{"op":"shutdown","req":-1}"#,
    r#"{"op":"shutdown","req":1.5}"#,
    r#"{"op":"shutdown","req":1,"now":true}"#,
    r#"{"op":"shutdown"}"#,
    r#"{"op":"ack","id":"w","bytes":"10"}"#,
    r#"{"op":"ack","id":"w","bytes":-5}"#,
    r#"{"op":"cancel","req":1,"id":"w","grace_ms":"soon"}"#,
    r#"{"op":"signal","req":1,"id":"w"}"#,
    r#"{"op":"write","req":1}"#,
    r#"{"op":"SPAWN","req":1,"id":"w","argv":["x"]}"#,
    r#"{"op":"terminate","req":1}"#,
    r#"{"op":"terminate","req":1,"pid":0,"bogus":1}"#,
    r#"{"op":"terminate","req":1,"pid":0,"grace_ms":-1}"#,
    r#"{"op":"terminate","req":"1","pid":0}"#,
];

/// Valid shapes with values the sidecar must refuse, and their codes.
fn bad_values(n: usize) -> Vec<(String, &'static [&'static str])> {
    let long = "x".repeat(129);
    let spawn = |extra: &str| format!(r#"{{"op":"spawn","req":1,"id":"bad-{n}","argv":["/bin/true"]{extra}}}"#);
    vec![
        (r#"{"op":"spawn","req":1,"id":"e","argv":[]}"#.replace("\"e\"", &format!("\"bad-{n}\"")), BAD_REQUEST),
        (spawn("").replace(r#"["/bin/true"]"#, r#"[""]"#), BAD_REQUEST),
        (spawn("").replace(r#"["/bin/true"]"#, r#"["a\u0000b"]"#), BAD_REQUEST),
        (spawn("").replace(&format!("bad-{n}"), ""), BAD_REQUEST),
        (spawn("").replace(&format!("bad-{n}"), &long), BAD_REQUEST),
        (spawn(r#","env":{"mode":"replace","vars":{"A=B":"1"}}"#), &["invalid_env"]),
        (spawn(r#","env":{"mode":"merge","vars":{"A":"x\u0000y"}}"#), &["invalid_env"]),
        (spawn(r#","cwd":"/nonexistent/pawwork""#), &["bad_cwd"]),
        (spawn(r#","cwd":"/dev/null""#), &["bad_cwd"]),
        (spawn(r#","ladder":{"signal":"SIGWHAT"}"#), &["unsupported_signal"]),
        (spawn("").replace(&format!("bad-{n}"), "slow-0"), &["duplicate_id"]),
        (r#"{"op":"signal","req":1,"id":"ghost","signal":"SIGTERM"}"#.into(), &["unknown_child"]),
        (r#"{"op":"signal","req":1,"id":"slow-0","signal":"SIGNOPE"}"#.into(), &["unsupported_signal"]),
        (r#"{"op":"cancel","req":1,"id":"ghost"}"#.into(), &["unknown_child"]),
        (r#"{"op":"close_stdin","req":1,"id":"ghost"}"#.into(), &["unknown_child"]),
        (r#"{"op":"close_stdin","req":1,"id":"slow-0"}"#.into(), &["stdin_closed"]),
        (r#"{"op":"ack","id":"ghost","bytes":12345}"#.into(), &[]),
        // Only pids that must be refused: a valid one would end a process.
        (r#"{"op":"terminate","req":1,"pid":0}"#.into(), &["bad_pid"]),
        (r#"{"op":"terminate","req":1,"pid":1}"#.into(), &["bad_pid"]),
        (r#"{"op":"terminate","req":1,"pid":-1}"#.into(), &["bad_pid"]),
        (r#"{"op":"terminate","req":1,"pid":"1"}"#.into(), &["bad_pid"]),
        (r#"{"op":"terminate","req":1,"pid":1.5}"#.into(), &["bad_pid"]),
        (r#"{"op":"terminate","req":1,"pid":null}"#.into(), &["bad_pid"]),
        (r#"{"op":"terminate","req":1,"pid":4294967297}"#.into(), &["bad_pid"]),
        (r#"{"op":"terminate","req":1,"pid":1,"signal":"SIGWHAT"}"#.into(), &["bad_pid"]),
    ]
}

fn garbage(rng: &mut Rng, n: usize, max_header: usize) -> Bad {
    let raw = |h: &[u8], codes| Bad { bytes: encode_raw(h, &[]), codes };
    match rng.below(100) {
        0..=14 => {
            let len = rng.below(200);
            raw(&rng.bytes(len), EITHER)
        }
        15..=24 => {
            let values = ["42", "[1,2]", "\"spawn\"", "null", "true", "-1.5e3", "[]", "", " ", "{", "}", "1e999"];
            raw(values[rng.below(values.len())].as_bytes(), NOT_JSON)
        }
        25..=39 => {
            let whole = WRONG_TYPES[rng.below(WRONG_TYPES.len())].as_bytes();
            raw(&whole[..1 + rng.below(whole.len() - 1)], NOT_JSON)
        }
        40..=49 => {
            let bad: [&[u8]; 5] = [b"\xff", b"\xc3\x28", b"\xe2\x82", b"\xed\xa0\x80", b"\x80\x80"];
            let mut h = br#"{"op":"cancel","req":1,"id":"slow-0"#.to_vec();
            h.extend_from_slice(bad[rng.below(bad.len())]);
            h.extend_from_slice(b"\"}");
            raw(&h, NOT_JSON)
        }
        50..=69 => raw(WRONG_TYPES[rng.below(WRONG_TYPES.len())].as_bytes(), BAD_REQUEST),
        70..=74 => {
            let op: String = (0..1 + rng.below(12)).map(|_| (b'a' + rng.below(26) as u8) as char).collect();
            raw(format!(r#"{{"op":"{op}x","req":{n}}}"#).as_bytes(), BAD_REQUEST)
        }
        // Over the header limit (tens of MiB: room for the kernel's largest
        // command line), so rarer than the rest; the content would be a
        // shutdown if obeyed.
        75 if rng.below(10) == 0 => {
            let mut h = br#"{"op":"shutdown","req":1,"pad":""#.to_vec();
            h.resize(max_header + 1 + rng.below(1000), b' ');
            raw(&h, &["frame_too_large"])
        }
        77..=79 => {
            // A payload for an unknown child: the payload must be skipped too.
            let len = rng.below(70_000);
            Bad { bytes: encode_raw(br#"{"op":"write","req":1,"id":"ghost"}"#, &rng.bytes(len)), codes: &["unknown_child"] }
        }
        _ => {
            let mut values = bad_values(n);
            let (h, codes) = values.swap_remove(rng.below(values.len()));
            raw(h.as_bytes(), codes)
        }
    }
}

const SLOW: usize = 3;

#[test]
fn random_bad_frames_are_each_answered_and_other_children_are_unharmed() {
    let frames = size(2_000, 50_000);
    let mut rng = Rng::from_env("garbage");
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let max_header = sc.hello()["limits"]["max_header"].as_u64().unwrap() as usize;
    let report = Report::new(dir.report("bystanders"));
    let slow = fixture_argv(report.path(), &["slow", "--chunk", "32768", "--interval-ms", "5"]);
    for i in 0..SLOW {
        sc.spawn(&format!("slow-{i}"), &slow, piped(&["stdout"]));
    }
    let flood = fixture_argv(report.path(), &["flood", "--bytes", "16777216", "--stream", "both"]);
    sc.spawn("flood", &flood, piped(&["stdout", "stderr"]));
    sc.spawn("echo", &fixture_argv(report.path(), &["echo-stdin"]), piped(&["stdin", "stdout"]));

    let start = sc.events().len();
    let mut expected = Vec::with_capacity(frames);
    let mut probes = Vec::with_capacity(frames);
    let echo_bytes = pattern(frames * 1024);
    let mut echoed = 0;
    let (mut echo_cursor, mut confirmed) = (start, 0);
    for n in 0..frames {
        let bad = garbage(&mut rng, n, max_header);
        sc.send_raw(bad.bytes);
        expected.push(bad.codes);
        // The probe's answer closes this frame's segment of the event stream.
        probes.push(sc.request(json!({"op": "signal", "id": "probe", "signal": "SIGTERM"})));
        if rng.below(4) == 0 && echoed < echo_bytes.len() {
            let len = (1 + rng.below(4096)).min(echo_bytes.len() - echoed);
            let req = sc.write("echo", &echo_bytes[echoed..echoed + len]);
            echoed += len;
            // Like a real client, keep the writes in flight well under the
            // stdin queue (16 MiB): past it a write is refused by design.
            if echoed - confirmed > 4 << 20 {
                let at = sc.wait_index_from(echo_cursor, "written", HANG, |e| e.req() == Some(req));
                assert_eq!(sc.events()[at].name(), "written", "{}", sc.events()[at].brief());
                (echo_cursor, confirmed) = (at, echoed);
            }
        }
    }
    let bystanders = ["slow-0", "slow-1", "slow-2", "flood", "echo"];
    let mut from = start;
    for (n, (probe, codes)) in probes.iter().zip(&expected).enumerate() {
        let at = sc.wait_index_from(from, &format!("probe {n}"), HANG, |e| e.req() == Some(*probe));
        let answer = &sc.events()[at].header;
        assert_eq!(answer["code"], "unknown_child", "probe {n} out of sync: {answer}");
        let answers: Vec<&Value> = sc.events()[from..at]
            .iter()
            .filter(|e| !(bystanders.contains(&e.id().unwrap_or("")) && ["output", "exit", "written"].contains(&e.name())))
            .map(|e| &e.header)
            .collect();
        let ok = match codes.len() {
            0 => answers.is_empty(),
            _ => answers.len() == 1 && answers[0]["event"] == "error" && codes.iter().any(|c| answers[0]["code"] == *c),
        };
        assert!(ok, "bad frame {n} should be answered by one error {codes:?}, got {answers:?}");
        from = at + 1;
    }
    eprintln!("garbage: {frames} bad frames answered; {echoed} bytes echoed through the same stream");

    let req = sc.request(json!({"op": "close_stdin", "id": "echo"}));
    assert_eq!(sc.wait_reply(req)["closed"], true);
    let echo = sc.collect_output("echo");
    assert_eq!(echo.exit["code"], 0, "echo: {}", echo.exit);
    assert_pattern("echo stdout", &echo.stdout, echoed);
    let flood = sc.collect_output("flood");
    assert_eq!((flood.exit["code"].as_i64(), flood.exit["drain"].as_str()), (Some(0), Some("complete")), "{}", flood.exit);
    assert_pattern("flood stdout", &flood.stdout, 16 << 20);
    assert_pattern("flood stderr", &flood.stderr, 16 << 20);
    for i in 0..SLOW {
        let id = format!("slow-{i}");
        assert!(sc.exits_of(&id).is_empty(), "{id} ended during the garbage: {:?}", sc.exits_of(&id));
        sc.cancel(&id);
        let out = sc.collect_output(&id);
        assert_eq!(out.exit["reason"], "cancelled", "{id}: {}", out.exit);
        assert!(out.stdout.len() >= 32768, "{id} wrote only {} bytes", out.stdout.len());
        assert_pattern_prefix(&id, &out.stdout);
    }
    assert_in_sync(&mut sc, &dir, "after");
    assert_all_gone(&report, GONE);
}
