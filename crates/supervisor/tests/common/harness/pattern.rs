//! The fixture's checkable output: 16-byte lines, line k = "{k:015x}\n".

const LINE: usize = 16;

fn line(k: usize) -> [u8; LINE] {
    let mut out = [0u8; LINE];
    out.copy_from_slice(format!("{k:015x}\n").as_bytes());
    out
}

/// The first `len` bytes of the pattern.
pub fn pattern(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + LINE);
    let mut k = 0;
    while out.len() < len {
        out.extend_from_slice(&line(k));
        k += 1;
    }
    out.truncate(len);
    out
}

/// Offset of the first byte that differs from the pattern, if any.
pub fn first_mismatch(bytes: &[u8]) -> Option<usize> {
    for (k, chunk) in bytes.chunks(LINE).enumerate() {
        let want = line(k);
        if let Some(i) = chunk.iter().zip(want.iter()).position(|(a, b)| a != b) {
            return Some(k * LINE + i);
        }
    }
    None
}

/// `bytes` is exactly the first `bytes.len()` bytes of the pattern: nothing
/// lost, duplicated or reordered.
pub fn assert_pattern_prefix(what: &str, bytes: &[u8]) {
    if let Some(at) = first_mismatch(bytes) {
        let from = at.saturating_sub(16);
        let to = (at + 32).min(bytes.len());
        panic!(
            "{what}: {} bytes are not a pattern prefix; first difference at byte {at}: \
             got {:?} around it",
            bytes.len(),
            String::from_utf8_lossy(&bytes[from..to])
        );
    }
}

/// `bytes` is the whole pattern of length `len`.
pub fn assert_pattern(what: &str, bytes: &[u8], len: usize) {
    assert_pattern_prefix(what, bytes);
    assert_eq!(bytes.len(), len, "{what}: received {} bytes, expected {len}", bytes.len());
}
