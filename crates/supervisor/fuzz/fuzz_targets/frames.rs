//! The frame reader plus request decoding over arbitrary input, split into
//! reads of a size the input chooses: no panic, no hang, all input read,
//! and only the documented outcomes.
#![no_main]

use std::cell::Cell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use libfuzzer_sys::fuzz_target;
use pawwork_supervisor::framing::{FrameError, FrameReader};
use pawwork_supervisor::protocol::{decode_request, ErrorCode};
use tokio::io::{AsyncRead, ReadBuf};

/// Small limits, so the oversized-frame path is reached by short inputs.
const MAX_HEADER: u32 = 256;
const MAX_PAYLOAD: u32 = 512;

struct Splitter<'a> {
    data: &'a [u8],
    step: usize,
    consumed: Rc<Cell<usize>>,
}

impl AsyncRead for Splitter<'_> {
    fn poll_read(mut self: Pin<&mut Self>, _: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let n = self.step.min(buf.remaining()).min(self.data.len());
        let (head, tail) = self.data.split_at(n);
        buf.put_slice(head);
        self.data = tail;
        self.consumed.set(self.consumed.get() + n);
        Poll::Ready(Ok(()))
    }
}

fuzz_target!(|input: &[u8]| {
    let Some((&step, data)) = input.split_first() else { return };
    let consumed = Rc::new(Cell::new(0));
    let reader = Splitter { data, step: step as usize % 17 + 1, consumed: consumed.clone() };
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let mut frames = FrameReader::new(reader, MAX_HEADER, MAX_PAYLOAD);
        loop {
            match frames.next().await {
                Ok(Some(f)) => {
                    assert!(f.header.len() <= MAX_HEADER as usize && f.payload.len() <= MAX_PAYLOAD as usize);
                    if let Err(e) = decode_request(&f.header) {
                        assert!(matches!(e.code, ErrorCode::BadFrame | ErrorCode::BadRequest));
                    }
                }
                Ok(None) => break,
                Err(FrameError::TooLarge { header_len, payload_len, .. }) => {
                    assert!(header_len > MAX_HEADER || payload_len > MAX_PAYLOAD);
                }
                Err(FrameError::Truncated { expected, got }) => {
                    assert!(got < expected);
                    break;
                }
                Err(FrameError::Io(e)) => panic!("in-memory input cannot fail: {e}"),
            }
        }
    });
    assert_eq!(consumed.get(), data.len(), "input left unread");
});
