//! Request decoding over arbitrary header bytes: a request, or an error
//! whose stable code follows from the input (not JSON: `bad_frame`; a JSON
//! object of the wrong shape: `bad_request` echoing its `req`), and which
//! serializes as an event; never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pawwork_supervisor::protocol::{decode_request, ErrorCode, Event};
use serde_json::Value;

fuzz_target!(|header: &[u8]| {
    let Err(e) = decode_request(header) else { return };
    match serde_json::from_slice::<Value>(header) {
        Ok(Value::Object(obj)) => {
            assert_eq!(e.code, ErrorCode::BadRequest);
            assert_eq!(e.req, obj.get("req").and_then(Value::as_u64));
        }
        _ => assert_eq!(e.code, ErrorCode::BadFrame),
    }
    assert!(!e.message.is_empty());
    serde_json::to_vec(&Event::Error(e)).expect("an error event serializes");
});
