//! The single writer of the sidecar's stdout. Every event goes through one
//! bounded queue, so events of one child leave in the order they were
//! queued (all `output` before `exit`), and a host that stops reading
//! back-pressures the senders instead of growing memory: at most `QUEUE`
//! frames (each at most one read buffer) wait here, plus the batch being
//! written.

use std::io::IoSlice;
use std::ops::Range;

use bytes::Bytes;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::framing;
use crate::protocol::Event;

const QUEUE: usize = 64;
/// A batch stops taking queued frames once it holds this many payload
/// bytes: it is written with one `writev`, so this bounds both the memory a
/// batch takes out of the queue and the size of one write.
const BATCH_BYTES: usize = 256 * 1024;

pub struct Outgoing {
    pub header: Bytes,
    pub payload: Bytes,
}

#[derive(Clone)]
pub struct Sink {
    tx: mpsc::Sender<Outgoing>,
}

impl Sink {
    pub fn start<W: AsyncWrite + Unpin + Send + 'static>(out: W) -> (Sink, JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        (Sink { tx }, tokio::spawn(write_loop(out, rx)))
    }

    pub async fn event(&self, ev: Event) {
        let header = serde_json::to_vec(&ev).expect("events always serialize");
        self.raw(header.into(), Bytes::new()).await;
    }

    /// For pre-serialized headers (output frames share theirs) and payloads
    /// handed over without a copy (a relay's read buffer).
    pub async fn raw(&self, header: Bytes, payload: Bytes) {
        // A closed queue means the writer is gone (stdout broken): there is
        // nobody left to tell, and the children are cleaned up regardless.
        let _ = self.tx.send(Outgoing { header, payload }).await;
    }
}

/// Frames taken from the queue to go out in one vectored write: their
/// prefixes and headers side by side in `heads`, the payloads as they came.
/// The payloads are never copied on their way out (they were copied into an
/// intermediate buffer before, which was a tenth of the sidecar's CPU in a
/// flood, measured with perf).
#[derive(Default)]
struct Batch {
    heads: Vec<u8>,
    frames: Vec<(Range<usize>, Bytes)>,
    payload_bytes: usize,
}

impl Batch {
    fn push(&mut self, msg: Outgoing) {
        let start = self.heads.len();
        framing::encode_head(&msg.header, msg.payload.len(), &mut self.heads);
        self.payload_bytes += msg.payload.len();
        self.frames.push((start..self.heads.len(), msg.payload));
    }

    fn full(&self) -> bool {
        self.payload_bytes >= BATCH_BYTES || self.frames.len() >= QUEUE
    }

    fn clear(&mut self) {
        self.heads.clear();
        self.frames.clear();
        self.payload_bytes = 0;
    }

    async fn write_to<W: AsyncWrite + Unpin>(&self, out: &mut W) -> std::io::Result<()> {
        let mut parts: Vec<&[u8]> = Vec::with_capacity(self.frames.len() * 2);
        for (head, payload) in &self.frames {
            parts.push(&self.heads[head.clone()]);
            if !payload.is_empty() {
                parts.push(payload);
            }
        }
        // A partial write resumes inside the part where it stopped.
        let (mut first, mut done) = (0, 0);
        while first < parts.len() {
            let slices: Vec<IoSlice<'_>> =
                std::iter::once(IoSlice::new(&parts[first][done..])).chain(parts[first + 1..].iter().map(|p| IoSlice::new(p))).collect();
            let mut n = out.write_vectored(&slices).await?;
            if n == 0 {
                return Err(std::io::ErrorKind::WriteZero.into());
            }
            while first < parts.len() && n >= parts[first].len() - done {
                n -= parts[first].len() - done;
                first += 1;
                done = 0;
            }
            done += n;
        }
        Ok(())
    }
}

async fn write_loop<W: AsyncWrite + Unpin>(mut out: W, mut rx: mpsc::Receiver<Outgoing>) {
    let mut batch = Batch::default();
    let mut broken = false;
    while let Some(msg) = rx.recv().await {
        if broken {
            continue; // keep draining so senders never block on a dead host
        }
        // Whatever else is queued goes out with it: batches small frames
        // under load, and adds no latency when idle.
        batch.push(msg);
        while !batch.full() {
            match rx.try_recv() {
                Ok(msg) => batch.push(msg),
                Err(_) => break,
            }
        }
        let mut r = batch.write_to(&mut out).await;
        batch.clear();
        if r.is_ok() && rx.is_empty() {
            r = out.flush().await;
        }
        if let Err(e) = r {
            // Expected when the host exits first; the trees are cleaned up
            // regardless, so this is no warning.
            tracing::info!("stdout is gone ({e}); events are dropped from now on");
            broken = true;
        }
    }
    let _ = out.flush().await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framing::FrameReader;

    /// A writer that takes at most `max` bytes per call and ignores vectors
    /// beyond the first: partial writes must resume mid-slice.
    struct Trickle {
        out: Vec<u8>,
        max: usize,
    }

    impl AsyncWrite for Trickle {
        fn poll_write(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            buf: &[u8],
        ) -> std::task::Poll<std::io::Result<usize>> {
            let n = buf.len().min(self.max);
            self.out.extend_from_slice(&buf[..n]);
            std::task::Poll::Ready(Ok(n))
        }
        fn poll_flush(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Result<()>> {
            std::task::Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Result<()>> {
            std::task::Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn batch_survives_partial_writes_in_order() {
        let mut batch = Batch::default();
        let frames: Vec<(Vec<u8>, Vec<u8>)> =
            (0..5u8).map(|i| (format!("{{\"n\":{i}}}").into_bytes(), vec![i; i as usize * 7])).collect();
        for (h, p) in &frames {
            batch.push(Outgoing { header: h.clone().into(), payload: p.clone().into() });
        }
        for max in [1, 3, 8, 1000] {
            let mut w = Trickle { out: Vec::new(), max };
            batch.write_to(&mut w).await.unwrap();
            let mut r = FrameReader::new(&w.out[..], 1024, 1024);
            for (h, p) in &frames {
                let f = r.next().await.unwrap().unwrap();
                assert_eq!((&f.header, &f.payload), (h, p), "max {max}");
            }
            assert!(r.next().await.unwrap().is_none());
        }
    }
}
