//! Property tests of the frame reader: whatever bytes arrive, in whatever
//! read sizes, it never panics, reads its input to the end, and only ever
//! reports the documented outcomes. `PROPTEST_CASES` raises the case count
//! for a long run (docs/reference/load-and-hostile-input.md records one).

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use proptest::prelude::*;
use tokio::io::{AsyncRead, ReadBuf};

use super::*;

/// Hands the input out in the given read sizes (cycled), the way a pipe
/// splits a stream at arbitrary points.
struct Chunked {
    data: VecDeque<u8>,
    sizes: Vec<usize>,
    turn: usize,
}

impl Chunked {
    fn new(data: Vec<u8>, sizes: Vec<usize>) -> Self {
        Chunked { data: data.into(), sizes, turn: 0 }
    }
}

impl AsyncRead for Chunked {
    fn poll_read(mut self: Pin<&mut Self>, _: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let size = self.sizes[self.turn % self.sizes.len()].max(1);
        self.turn += 1;
        let n = size.min(buf.remaining()).min(self.data.len());
        let chunk: Vec<u8> = self.data.drain(..n).collect();
        buf.put_slice(&chunk);
        Poll::Ready(Ok(()))
    }
}

#[derive(Debug, PartialEq)]
enum Seen {
    Frame(Vec<u8>, Vec<u8>),
    TooLarge(u32, u32),
    Truncated,
}

/// Reads until the stream is over; panics on anything the docs do not
/// allow. Returns what was seen and whether all input was consumed.
fn read_all(input: Vec<u8>, sizes: Vec<usize>, max_header: u32, max_payload: u32) -> (Vec<Seen>, bool) {
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    rt.block_on(async {
        let mut reader = FrameReader::new(Chunked::new(input, sizes), max_header, max_payload);
        let mut seen = Vec::new();
        loop {
            match reader.next().await {
                Ok(Some(f)) => {
                    assert!(f.header.len() as u32 <= max_header && f.payload.len() as u32 <= max_payload);
                    seen.push(Seen::Frame(f.header, f.payload));
                }
                Ok(None) => break,
                Err(FrameError::TooLarge { header_len, payload_len, .. }) => {
                    assert!(header_len > max_header || payload_len > max_payload, "TooLarge within limits");
                    seen.push(Seen::TooLarge(header_len, payload_len));
                }
                Err(FrameError::Truncated { expected, got }) => {
                    assert!(got < expected, "Truncated with {got} of {expected}");
                    seen.push(Seen::Truncated);
                    // The server stops reading here: the stream is over.
                    break;
                }
                Err(FrameError::Io(e)) => panic!("an in-memory reader cannot fail: {e}"),
            }
        }
        (seen, reader.inner.data.is_empty())
    })
}

/// A frame the reader must deliver, or skip as too large.
#[derive(Debug, Clone)]
enum Item {
    Good(Vec<u8>, Vec<u8>),
    Big { header_len: u32, payload_len: u32 },
}

const MAX_H: u32 = 48;
const MAX_P: u32 = 96;

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        3 => (prop::collection::vec(any::<u8>(), 0..=MAX_H as usize), prop::collection::vec(any::<u8>(), 0..=MAX_P as usize))
            .prop_map(|(h, p)| Item::Good(h, p)),
        1 => (MAX_H + 1..MAX_H * 4, 0..MAX_P * 2).prop_map(|(h, p)| Item::Big { header_len: h, payload_len: p }),
        1 => (0..=MAX_H, MAX_P + 1..MAX_P * 4).prop_map(|(h, p)| Item::Big { header_len: h, payload_len: p }),
    ]
}

fn encode_items(items: &[Item]) -> Vec<u8> {
    let mut out = Vec::new();
    for it in items {
        match it {
            Item::Good(h, p) => encode(h, p, &mut out),
            Item::Big { header_len, payload_len } => {
                out.extend_from_slice(&header_len.to_be_bytes());
                out.extend_from_slice(&payload_len.to_be_bytes());
                // Filler that looks like frames: skipping must go by length, not content.
                let filler = (*header_len + *payload_len) as usize;
                let mut fake = Vec::new();
                encode(b"{\"op\":\"shutdown\",\"req\":1}", b"", &mut fake);
                out.extend(fake.iter().cycle().take(filler));
            }
        }
    }
    out
}

fn expected(items: &[Item]) -> Vec<Seen> {
    items
        .iter()
        .map(|it| match it {
            Item::Good(h, p) => Seen::Frame(h.clone(), p.clone()),
            Item::Big { header_len, payload_len } => Seen::TooLarge(*header_len, *payload_len),
        })
        .collect()
}

fn read_sizes() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(1usize..200, 1..8)
}

proptest! {
    /// Any byte soup: no panic, no hang, every byte consumed, only the
    /// documented outcomes, and nothing after a truncation.
    #[test]
    fn byte_soup_is_read_to_the_end(input in prop::collection::vec(any::<u8>(), 0..2048), sizes in read_sizes()) {
        let (seen, consumed) = read_all(input, sizes, MAX_H, MAX_P);
        prop_assert!(consumed, "input left unread after {seen:?}");
        if let Some(i) = seen.iter().position(|s| *s == Seen::Truncated) {
            prop_assert_eq!(i, seen.len() - 1);
        }
    }

    /// Soup that starts with small lengths, so whole frames happen often.
    #[test]
    fn small_length_soup_is_read_to_the_end(
        parts in prop::collection::vec((0u32..64, 0u32..128, prop::collection::vec(any::<u8>(), 0..128)), 0..24),
        sizes in read_sizes(),
    ) {
        let mut input = Vec::new();
        for (h, p, bytes) in parts {
            input.extend_from_slice(&h.to_be_bytes());
            input.extend_from_slice(&p.to_be_bytes());
            input.extend_from_slice(&bytes);
        }
        let (_, consumed) = read_all(input, sizes, MAX_H, MAX_P);
        prop_assert!(consumed);
    }

    /// Good and oversized frames mixed, split at arbitrary points: every good
    /// frame arrives intact and in order, every oversized one is reported
    /// once and skipped, and the stream ends cleanly.
    #[test]
    fn oversized_frames_are_skipped_in_sync(items in prop::collection::vec(item(), 0..16), sizes in read_sizes()) {
        let (seen, consumed) = read_all(encode_items(&items), sizes, MAX_H, MAX_P);
        prop_assert!(consumed);
        prop_assert_eq!(seen, expected(&items));
    }

    /// The same stream cut anywhere: the frames wholly before the cut come
    /// through, then a clean end (cut between frames) or one Truncated.
    #[test]
    fn a_cut_stream_delivers_what_precedes_the_cut(
        items in prop::collection::vec(item(), 1..8),
        cut in any::<prop::sample::Index>(),
        sizes in read_sizes(),
    ) {
        let full = encode_items(&items);
        let at = cut.index(full.len() + 1);
        let mut ends = Vec::new();
        let mut pos = 0;
        for it in &items {
            pos += match it {
                Item::Good(h, p) => PREFIX_LEN + h.len() + p.len(),
                Item::Big { header_len, payload_len } => PREFIX_LEN + (*header_len + *payload_len) as usize,
            };
            ends.push(pos);
        }
        let whole = ends.iter().filter(|&&e| e <= at).count();
        let mut want = expected(&items[..whole]);
        if !ends.contains(&at) && at != 0 {
            want.push(Seen::Truncated);
        }
        let (seen, consumed) = read_all(full[..at].to_vec(), sizes, MAX_H, MAX_P);
        prop_assert!(consumed);
        prop_assert_eq!(seen, want);
    }
}

/// The real limits: lengths near u32::MAX are skipped by streaming, not by
/// allocating, and a short input after them is a truncation.
#[test]
fn huge_declared_lengths_never_allocate_them() {
    for (h, p) in [(u32::MAX, u32::MAX), (u32::MAX, 0), (0, u32::MAX), ((1 << 20) + 1, 0), (0, (16 << 20) + 1)] {
        let mut input = h.to_be_bytes().to_vec();
        input.extend_from_slice(&p.to_be_bytes());
        input.extend_from_slice(&[0u8; 4096]);
        let (seen, consumed) = read_all(input, vec![4096], 1 << 20, 16 << 20);
        assert!(consumed);
        assert_eq!(seen, vec![Seen::Truncated], "lengths {h}/{p}");
    }
}
