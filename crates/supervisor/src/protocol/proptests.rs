//! Property tests of request decoding: any header bytes give a request or
//! an error with a stable code, never a panic; what is not JSON is
//! `bad_frame`, a JSON object of the wrong shape is `bad_request` with its
//! `req` echoed. `PROPTEST_CASES` raises the case count for a long run.

use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;

/// Any JSON value, nested a few levels.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        // Finite only (JSON has no NaN or infinity), without a filter's rejects.
        (prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO).prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Lone continuation bytes, cut sequences, surrogates.
const BAD_UTF8: &[&[u8]] = &[b"\xff", b"\xc3\x28", b"\xe2\x82", b"\xf0\x28\x8c\x28", b"\xed\xa0\x80", b"\x80"];

const OPS: [&str; 8] = ["spawn", "write", "close_stdin", "signal", "cancel", "ack", "shutdown", "nonsense"];

/// A well-formed request of every kind; the mutations below break it.
fn valid_request(op: &str) -> Value {
    match op {
        "spawn" => json!({"op": "spawn", "req": 1, "id": "c1", "argv": ["prog", "arg"], "cwd": null,
            "env": {"mode": "merge", "vars": {"A": "1", "B": null}}, "stdin": "pipe", "stdout": "pipe",
            "stderr": "ignore", "timeout_ms": 5, "ladder": {"signal": "SIGINT", "grace_ms": 10}, "drain_timeout_ms": 3}),
        "write" | "close_stdin" => json!({"op": op, "req": 2, "id": "c1"}),
        "signal" => json!({"op": "signal", "req": 3, "id": "c1", "signal": "SIGTERM"}),
        "cancel" => json!({"op": "cancel", "req": 4, "id": "c1", "signal": "SIGKILL", "grace_ms": 0}),
        "ack" => json!({"op": "ack", "id": "c1", "bytes": 10}),
        "shutdown" => json!({"op": "shutdown", "req": 5}),
        _ => json!({"op": op, "req": 6}),
    }
}

/// The contract every outcome must keep, whatever the input was.
fn check_outcome(header: &[u8], outcome: &Result<Request, ErrorEvent>) -> Result<(), TestCaseError> {
    let Err(err) = outcome else { return Ok(()) };
    prop_assert!(matches!(err.code, ErrorCode::BadFrame | ErrorCode::BadRequest), "code {:?}", err.code);
    prop_assert!(!err.message.is_empty());
    // The error goes out as an event header: it must serialize.
    prop_assert!(serde_json::to_vec(&Event::Error(err.clone())).is_ok());
    match serde_json::from_slice::<Value>(header) {
        Ok(Value::Object(obj)) => {
            prop_assert_eq!(err.code, ErrorCode::BadRequest);
            prop_assert_eq!(err.req, obj.get("req").and_then(Value::as_u64), "req must be echoed");
        }
        _ => prop_assert_eq!(err.code, ErrorCode::BadFrame),
    }
    Ok(())
}

proptest! {
    #[test]
    fn any_bytes_decode_or_fail_with_a_stable_code(header in prop::collection::vec(any::<u8>(), 0..512)) {
        let outcome = decode_request(&header);
        check_outcome(&header, &outcome)?;
    }

    #[test]
    fn any_json_value_decodes_or_fails_with_a_stable_code(value in any_json()) {
        let header = serde_json::to_vec(&value).unwrap();
        let outcome = decode_request(&header);
        check_outcome(&header, &outcome)?;
        if !value.is_object() {
            prop_assert!(outcome.is_err(), "a non-object header was accepted: {value}");
        }
    }

    /// Every request kind with one field replaced by a value of any type
    /// (or a field added, or one removed).
    #[test]
    fn wrong_types_are_bad_requests(
        op in prop::sample::select(&OPS[..]),
        field in prop::sample::select(&["op", "req", "id", "argv", "env", "stdin", "signal", "grace_ms", "bytes", "ladder", "extra"][..]),
        replacement in prop::option::of(any_json()),
    ) {
        let mut value = valid_request(op);
        let obj = value.as_object_mut().unwrap();
        match replacement {
            Some(v) => { obj.insert(field.to_string(), v); }
            None => { obj.remove(field); }
        }
        let header = serde_json::to_vec(&value).unwrap();
        let outcome = decode_request(&header);
        check_outcome(&header, &outcome)?;
        if op == "nonsense" {
            prop_assert!(outcome.is_err(), "unknown op accepted: {value}");
        }
    }

    /// A valid request with bytes spliced in anywhere: whatever it has become
    /// (invalid UTF-8, broken JSON, another valid request), it is answered.
    #[test]
    fn spliced_bytes_are_answered(
        op in prop::sample::select(&OPS[..]),
        at in any::<prop::sample::Index>(),
        junk in prop::collection::vec(any::<u8>(), 1..8),
    ) {
        let mut header = serde_json::to_vec(&valid_request(op)).unwrap();
        let at = at.index(header.len() + 1);
        header.splice(at..at, junk);
        let outcome = decode_request(&header);
        check_outcome(&header, &outcome)?;
    }

    /// Invalid UTF-8 inside a string value is refused as not-JSON.
    #[test]
    fn invalid_utf8_in_a_string_is_bad_frame(bad in prop::sample::select(BAD_UTF8)) {
        let mut header = br#"{"op":"spawn","req":9,"id":""#.to_vec();
        header.extend_from_slice(bad);
        header.extend_from_slice(br#"","argv":["x"]}"#);
        let err = decode_request(&header).unwrap_err();
        prop_assert_eq!(err.code, ErrorCode::BadFrame);
    }
}

/// The well-formed requests above really are accepted: the mutation tests
/// start from valid input, not from something already refused.
#[test]
fn every_valid_request_decodes() {
    for op in OPS.iter().filter(|op| **op != "nonsense") {
        let header = serde_json::to_vec(&valid_request(op)).unwrap();
        assert!(decode_request(&header).is_ok(), "{op} was refused");
    }
}

/// Deep nesting hits serde_json's recursion limit: an error, not a stack
/// overflow of the sidecar.
#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    for depth in [129usize, 10_000, 500_000] {
        let mut header = br#"{"op":"spawn","req":1,"id":"x","argv":"#.to_vec();
        header.extend(std::iter::repeat(b'[').take(depth));
        header.extend(std::iter::repeat(b']').take(depth));
        header.push(b'}');
        let err = decode_request(&header).unwrap_err();
        assert_eq!(err.code, ErrorCode::BadFrame, "depth {depth}");
    }
}
