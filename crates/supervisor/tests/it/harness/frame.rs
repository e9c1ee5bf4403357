//! Frame codec: u32 BE header_len, u32 BE payload_len, JSON header, payload.

use std::io::{self, Read};

use serde_json::Value;

/// Bounds for frames *from* the sidecar. It announces 1 MiB / 16 MiB; a
/// larger frame means the stream is out of sync, not a big message.
pub const MAX_HEADER: u32 = 1 << 20;
pub const MAX_PAYLOAD: u32 = 16 << 20;

pub fn encode(header: &Value, payload: &[u8]) -> Vec<u8> {
    let h = serde_json::to_vec(header).expect("serialize header");
    encode_raw(&h, payload)
}

/// Any bytes as header: the bad-input tests send headers that are not JSON.
pub fn encode_raw(header: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + header.len() + payload.len());
    out.extend_from_slice(&(header.len() as u32).to_be_bytes());
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    out.extend_from_slice(header);
    out.extend_from_slice(payload);
    out
}

pub enum Decoded {
    Frame(Value, Vec<u8>),
    /// Clean EOF between frames.
    Eof,
}

/// Reads one frame. An EOF inside a frame, an oversized length or a header
/// that is not a JSON object is an error: the sidecar broke the protocol.
pub fn decode(r: &mut impl Read) -> io::Result<Decoded> {
    let mut prefix = [0u8; 8];
    let mut got = 0;
    while got < 8 {
        match r.read(&mut prefix[got..]) {
            Ok(0) if got == 0 => return Ok(Decoded::Eof),
            Ok(0) => return Err(bad(format!("EOF after {got} bytes of a frame prefix"))),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let header_len = u32::from_be_bytes(prefix[..4].try_into().unwrap());
    let payload_len = u32::from_be_bytes(prefix[4..].try_into().unwrap());
    if header_len > MAX_HEADER || payload_len > MAX_PAYLOAD {
        return Err(bad(format!("frame lengths out of bounds: header {header_len}, payload {payload_len}")));
    }
    let mut header = vec![0u8; header_len as usize];
    r.read_exact(&mut header).map_err(|e| bad(format!("header cut short: {e}")))?;
    let mut payload = vec![0u8; payload_len as usize];
    r.read_exact(&mut payload).map_err(|e| bad(format!("payload cut short: {e}")))?;
    let header: Value = serde_json::from_slice(&header).map_err(|e| {
        bad(format!("header is not JSON ({e}): {:?}", String::from_utf8_lossy(&header)))
    })?;
    if !header.is_object() {
        return Err(bad(format!("header is not a JSON object: {header}")));
    }
    Ok(Decoded::Frame(header, payload))
}

fn bad(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}
