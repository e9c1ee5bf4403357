//! Length-prefixed frames: `header_len u32 BE | payload_len u32 BE | header
//! JSON | payload`. The reader enforces the size limits *before* allocating,
//! and skips an oversized frame by streaming its bytes away, so one bad frame
//! neither costs memory nor desynchronises the stream. What is kept of a
//! skipped frame is its header, or the first `PEEK` bytes of a header over
//! the limit: enough for the server to name the request it answers.

use tokio::io::{AsyncRead, AsyncReadExt};

pub const PREFIX_LEN: usize = 8;

/// Bytes kept of a header over the limit. A client that writes `op`, `req`
/// and `id` first (docs/reference/protocol.md) has them well within this.
pub const PEEK: usize = 4096;

/// A frame's parts are allocated as their bytes arrive, from this much on:
/// a length alone (a hostile or cut-short frame) costs no more than that.
const FIRST_ALLOCATION: usize = 1 << 20;

#[derive(Debug)]
pub struct Frame {
    pub header: Vec<u8>,
    pub payload: Vec<u8>,
}

#[derive(Debug)]
pub enum FrameError {
    /// The frame was over a limit and has been skipped; the stream is still
    /// in sync. `head` is its header (whole when only the payload was over),
    /// or the header's first `PEEK` bytes.
    TooLarge { header_len: u32, payload_len: u32, head: Vec<u8> },
    /// EOF in the middle of a frame: the stream is over.
    Truncated { expected: usize, got: usize },
    Io(std::io::Error),
}

pub struct FrameReader<R> {
    inner: R,
    max_header: u32,
    max_payload: u32,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    pub fn new(inner: R, max_header: u32, max_payload: u32) -> Self {
        FrameReader { inner, max_header, max_payload }
    }

    /// `Ok(None)` at a clean EOF (between frames).
    pub async fn next(&mut self) -> Result<Option<Frame>, FrameError> {
        let mut prefix = [0u8; PREFIX_LEN];
        let got = read_full(&mut self.inner, &mut prefix).await.map_err(FrameError::Io)?;
        if got == 0 {
            return Ok(None);
        }
        if got < PREFIX_LEN {
            return Err(FrameError::Truncated { expected: PREFIX_LEN, got });
        }
        let header_len = u32::from_be_bytes(prefix[0..4].try_into().unwrap());
        let payload_len = u32::from_be_bytes(prefix[4..8].try_into().unwrap());
        let over_header = header_len > self.max_header;
        if over_header || payload_len > self.max_payload {
            let keep = if over_header { (header_len as usize).min(PEEK) } else { header_len as usize };
            let head = read_growing(&mut self.inner, keep).await.map_err(FrameError::Io)?;
            if head.len() < keep {
                return Err(FrameError::Truncated { expected: keep, got: head.len() });
            }
            let total = header_len as u64 - keep as u64 + payload_len as u64;
            let skipped = tokio::io::copy(&mut (&mut self.inner).take(total), &mut tokio::io::sink())
                .await
                .map_err(FrameError::Io)?;
            if skipped < total {
                return Err(FrameError::Truncated { expected: total as usize, got: skipped as usize });
            }
            return Err(FrameError::TooLarge { header_len, payload_len, head });
        }
        let header = read_growing(&mut self.inner, header_len as usize).await.map_err(FrameError::Io)?;
        if header.len() < header_len as usize {
            return Err(FrameError::Truncated { expected: header_len as usize, got: header.len() });
        }
        let payload = read_growing(&mut self.inner, payload_len as usize).await.map_err(FrameError::Io)?;
        if payload.len() < payload_len as usize {
            return Err(FrameError::Truncated { expected: payload_len as usize, got: payload.len() });
        }
        Ok(Some(Frame { header, payload }))
    }
}

/// Like `read_exact`, but reports how much arrived before EOF instead of
/// failing, so a truncated frame can be told from a clean end of stream.
async fn read_full<R: AsyncRead + Unpin>(r: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let n = r.read(&mut buf[filled..]).await?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}

/// Reads `len` bytes, or fewer at EOF, into a buffer that grows with what
/// arrives (up to `FIRST_ALLOCATION` at once, then doubling), never zeroed.
async fn read_growing<R: AsyncRead + Unpin>(r: &mut R, len: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(len.min(FIRST_ALLOCATION));
    while buf.len() < len {
        if buf.len() == buf.capacity() {
            buf.reserve_exact((len - buf.len()).min(buf.capacity().max(1)));
        }
        if (&mut *r).take((len - buf.len()) as u64).read_buf(&mut buf).await? == 0 {
            break;
        }
    }
    Ok(buf)
}

/// Encodes one frame into `out` (prefix, header, payload).
pub fn encode(header: &[u8], payload: &[u8], out: &mut Vec<u8>) {
    out.reserve(PREFIX_LEN + header.len() + payload.len());
    encode_head(header, payload.len(), out);
    out.extend_from_slice(payload);
}

/// Encodes a frame's prefix and header into `out`, for a payload of
/// `payload_len` bytes written after them (the sink writes payloads from
/// their own buffers instead of copying them).
pub fn encode_head(header: &[u8], payload_len: usize, out: &mut Vec<u8>) {
    out.extend_from_slice(&(header.len() as u32).to_be_bytes());
    out.extend_from_slice(&(payload_len as u32).to_be_bytes());
    out.extend_from_slice(header);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(h: &[u8], p: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        encode(h, p, &mut v);
        v
    }

    #[tokio::test]
    async fn reads_frames_split_across_reads() {
        let mut bytes = frame(b"{\"a\":1}", b"xyz");
        bytes.extend(frame(b"{}", b""));
        // A reader that hands out one byte at a time exercises every partial read.
        let reader = tokio_test_reader(bytes);
        let mut r = FrameReader::new(reader, 1024, 1024);
        let f = r.next().await.unwrap().unwrap();
        assert_eq!(f.header, b"{\"a\":1}");
        assert_eq!(f.payload, b"xyz");
        let f = r.next().await.unwrap().unwrap();
        assert_eq!(f.header, b"{}");
        assert!(r.next().await.unwrap().is_none());
    }

    #[tokio::test]
    async fn oversized_frame_is_skipped_and_stream_stays_in_sync() {
        let mut bytes = frame(&[b'x'; 100], b"");
        bytes.extend(frame(b"{}", b"ok"));
        let mut r = FrameReader::new(&bytes[..], 10, 10);
        match r.next().await {
            Err(FrameError::TooLarge { header_len: 100, head, .. }) => assert_eq!(head, vec![b'x'; 100]),
            other => panic!("expected TooLarge, got {other:?}"),
        }
        let f = r.next().await.unwrap().unwrap();
        assert_eq!(f.payload, b"ok");
    }

    #[tokio::test]
    async fn a_skipped_frame_keeps_its_header_or_the_first_peek_bytes_of_it() {
        let mut bytes = frame(br#"{"op":"write","req":3}"#, &[7; 64]);
        bytes.extend(frame(&vec![b' '; PEEK * 3], b""));
        bytes.extend(frame(b"{}", b"ok"));
        let mut r = FrameReader::new(&bytes[..], PEEK as u32, 16);
        match r.next().await {
            Err(FrameError::TooLarge { payload_len: 64, head, .. }) => assert_eq!(head, br#"{"op":"write","req":3}"#),
            other => panic!("expected TooLarge, got {other:?}"),
        }
        match r.next().await {
            Err(FrameError::TooLarge { head, .. }) => assert_eq!(head.len(), PEEK),
            other => panic!("expected TooLarge, got {other:?}"),
        }
        assert_eq!(r.next().await.unwrap().unwrap().payload, b"ok");
    }

    #[tokio::test]
    async fn eof_inside_a_frame_is_truncated() {
        let bytes = frame(b"{\"a\":1}", b"xyz");
        for cut in 1..bytes.len() {
            let mut r = FrameReader::new(&bytes[..cut], 1024, 1024);
            assert!(matches!(r.next().await, Err(FrameError::Truncated { .. })), "cut at {cut}");
        }
    }

    fn tokio_test_reader(bytes: Vec<u8>) -> impl AsyncRead + Unpin {
        struct OneByte(std::collections::VecDeque<u8>);
        impl AsyncRead for OneByte {
            fn poll_read(
                mut self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
                buf: &mut tokio::io::ReadBuf<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                if let Some(b) = self.0.pop_front() {
                    buf.put_slice(&[b]);
                }
                std::task::Poll::Ready(Ok(()))
            }
        }
        OneByte(bytes.into())
    }
}

#[cfg(test)]
mod proptests;
