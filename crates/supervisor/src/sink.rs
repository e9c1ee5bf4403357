//! The single writer of the sidecar's stdout. Every event goes through one
//! bounded queue, so events of one child leave in the order they were
//! queued (all `output` before `exit`), and a host that stops reading
//! back-pressures the senders instead of growing memory: at most `QUEUE`
//! frames (each at most one read buffer) wait here, plus the batch being
//! written. A spliced frame's payload never enters the sidecar's memory:
//! the writer moves it from the child's pipe to stdout right after writing
//! the frame's header, so it stays in order with every other frame.

use std::future::Future;
use std::io::IoSlice;
use std::ops::Range;
use std::pin::Pin;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::framing;
use crate::platform::{ChildOutput, SpliceStop, SpliceTarget};
use crate::protocol::Event;

const QUEUE: usize = 64;
/// A batch stops taking queued frames once it holds this many payload
/// bytes: it is written with one `writev`, so this bounds both the memory a
/// batch takes out of the queue and the size of one write.
const BATCH_BYTES: usize = 256 * 1024;

pub struct Outgoing {
    pub header: Bytes,
    pub payload: Bytes,
    /// Set for a spliced frame, whose `payload` is empty: its bytes are
    /// still in the child's pipe.
    spliced: Option<Spliced>,
}

/// A frame payload to be spliced from `source`: the relay hands its pipe
/// over and gets it back on `back`, after exactly `len` bytes were taken.
struct Spliced {
    len: usize,
    source: ChildOutput,
    back: oneshot::Sender<(ChildOutput, bool)>,
}

#[derive(Clone)]
pub struct Sink {
    tx: mpsc::Sender<Outgoing>,
    splice: Option<Arc<SpliceTarget>>,
}

/// Resolves once the host's end of stdout is closed (the platform's watch,
/// for a sidecar that has nothing to write).
pub type OutputGone = Pin<Box<dyn Future<Output = ()> + Send>>;

impl Sink {
    /// Starts the writer. The receiver returned hears once, when stdout is
    /// found broken: a write failed, or `gone` resolved.
    pub fn start<W: AsyncWrite + Unpin + Send + 'static>(
        out: W,
        splice: Option<SpliceTarget>,
        gone: Option<OutputGone>,
    ) -> (Sink, JoinHandle<()>, oneshot::Receiver<()>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let (broken_tx, broken_rx) = oneshot::channel();
        let splice = splice.map(Arc::new);
        let gone = gone.unwrap_or_else(|| Box::pin(std::future::pending()));
        (Sink { tx, splice: splice.clone() }, tokio::spawn(write_loop(out, rx, splice, gone, broken_tx)), broken_rx)
    }

    /// The output a relay may splice into, while it still takes splices.
    pub fn splice_target(&self) -> Option<&SpliceTarget> {
        self.splice.as_deref().filter(|t| t.usable())
    }

    /// Sends a frame whose `len` payload bytes are taken straight from
    /// `source` (they must be waiting in it), and returns the pipe once they
    /// are, with `true` while splicing may go on (`false`: the output
    /// refused it or is gone; the frame was completed or dropped either way).
    /// `None` if the writer is gone, with the pipe.
    pub async fn splice(&self, header: Bytes, source: ChildOutput, len: usize) -> Option<(ChildOutput, bool)> {
        let (back, returned) = oneshot::channel();
        let spliced = Some(Spliced { len, source, back });
        self.tx.send(Outgoing { header, payload: Bytes::new(), spliced }).await.ok()?;
        returned.await.ok()
    }

    /// The queue is full: the writer waits for the client to read stdout.
    pub fn backed_up(&self) -> bool {
        self.tx.capacity() == 0
    }

    pub async fn event(&self, ev: Event) {
        let header = serde_json::to_vec(&ev).expect("events always serialize");
        self.raw(header.into(), Bytes::new()).await;
    }

    /// For pre-serialized headers (output frames share theirs) and payloads
    /// handed over without a copy (a relay's read buffer).
    pub async fn raw(&self, header: Bytes, payload: Bytes) {
        // A closed queue means the writer is gone: the sidecar is exiting.
        let _ = self.tx.send(Outgoing { header, payload, spliced: None }).await;
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
    /// A spliced frame ends its batch: its header is the batch's last part,
    /// and the writer splices its payload right after the batch. (The job
    /// itself stays with the writer: a batch is borrowed across the write's
    /// awaits, and a pipe need not be shareable between threads.)
    ends_in_splice: bool,
}

impl Batch {
    /// Adds a frame; a spliced one's job is handed back for the writer.
    fn push(&mut self, msg: Outgoing) -> Option<Spliced> {
        let start = self.heads.len();
        let len = msg.spliced.as_ref().map_or(msg.payload.len(), |s| s.len);
        framing::encode_head(&msg.header, len, &mut self.heads);
        self.payload_bytes += msg.payload.len();
        self.frames.push((start..self.heads.len(), msg.payload));
        self.ends_in_splice = msg.spliced.is_some();
        msg.spliced
    }

    fn full(&self) -> bool {
        self.payload_bytes >= BATCH_BYTES || self.frames.len() >= QUEUE || self.ends_in_splice
    }

    fn clear(&mut self) {
        self.heads.clear();
        self.frames.clear();
        self.payload_bytes = 0;
        self.ends_in_splice = false;
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

async fn write_loop<W: AsyncWrite + Unpin>(
    mut out: W,
    mut rx: mpsc::Receiver<Outgoing>,
    splice: Option<Arc<SpliceTarget>>,
    mut gone: OutputGone,
    broken_tx: oneshot::Sender<()>,
) {
    let mut batch = Batch::default();
    let mut broken = false;
    let mut broken_tx = Some(broken_tx);
    loop {
        let msg = tokio::select! {
            msg = rx.recv() => match msg {
                Some(msg) => msg,
                None => break,
            },
            () = &mut gone, if !broken => {
                tracing::info!("the host closed its end of stdout; events are dropped from now on");
                broken = true;
                let _ = broken_tx.take().map(|tx| tx.send(()));
                continue;
            }
        };
        if broken {
            // Keep draining so senders never block on a dead host; a spliced
            // frame's bytes are taken out of its pipe all the same.
            if let Some(job) = msg.spliced {
                discard_spliced(job).await;
            }
            continue;
        }
        // Whatever else is queued goes out with it: batches small frames
        // under load, and adds no latency when idle.
        let mut spliced = batch.push(msg);
        while !batch.full() {
            match rx.try_recv() {
                Ok(msg) => spliced = batch.push(msg),
                Err(_) => break,
            }
        }
        let mut r = batch.write_to(&mut out).await;
        batch.clear();
        if let Some(job) = spliced {
            if r.is_ok() {
                r = splice_payload(&mut out, splice.as_deref(), job).await;
            } else {
                discard_spliced(job).await;
            }
        }
        if r.is_ok() && rx.is_empty() {
            r = out.flush().await;
        }
        if let Err(e) = r {
            // Expected when the host exits first, so this is no warning.
            // The server takes it as the host gone and ends every tree.
            tracing::info!("stdout is gone ({e}); events are dropped from now on");
            broken = true;
            let _ = broken_tx.take().map(|tx| tx.send(()));
        }
    }
    let _ = out.flush().await;
}

/// Writes a spliced frame's payload, whose header just went out. If the
/// output refuses splicing part-way, the rest of the payload is read from
/// the pipe and written the ordinary way, so the frame is whole either way.
async fn splice_payload<W: AsyncWrite + Unpin>(out: &mut W, target: Option<&SpliceTarget>, job: Spliced) -> std::io::Result<()> {
    let Spliced { len, mut source, back } = job;
    let spliced = match target {
        Some(target) => target.splice_from(&mut source, len).await,
        None => Err(SpliceStop { moved: 0, error: std::io::ErrorKind::Unsupported.into(), refused: true }),
    };
    let r = match spliced {
        Ok(()) => {
            let _ = back.send((source, true));
            return Ok(());
        }
        Err(SpliceStop { moved, refused: true, .. }) => match take(&mut source, len - moved).await {
            Ok(rest) => out.write_all(&rest).await,
            Err(e) => Err(e),
        },
        Err(SpliceStop { error, .. }) => Err(error),
    };
    let _ = back.send((source, false));
    r
}

/// Takes a spliced frame's bytes out of its pipe when they cannot be sent.
async fn discard_spliced(job: Spliced) {
    let Spliced { len, mut source, back } = job;
    let _ = take(&mut source, len).await;
    let _ = back.send((source, false));
}

/// Reads `len` bytes that were counted waiting in `source` (so it does not block for them).
async fn take(source: &mut ChildOutput, len: usize) -> std::io::Result<BytesMut> {
    let mut bytes = BytesMut::zeroed(len);
    source.read_exact(&mut bytes).await?;
    Ok(bytes)
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
    async fn a_failed_write_or_the_platforms_watch_reports_the_output_broken() {
        let (host_end, sidecar_end) = tokio::io::duplex(64);
        drop(host_end);
        let (sink, _writer, broken) = Sink::start(sidecar_end, None, None);
        sink.event(Event::Pong { req: 1 }).await;
        assert!(broken.await.is_ok(), "a write into a closed output went unreported");

        let (_host_end, sidecar_end) = tokio::io::duplex(64);
        let (gone_tx, gone_rx) = oneshot::channel::<()>();
        let gone: OutputGone = Box::pin(async move {
            let _ = gone_rx.await;
        });
        let (sink, _writer, mut broken) = Sink::start(sidecar_end, None, Some(gone));
        sink.event(Event::Pong { req: 2 }).await;
        tokio::task::yield_now().await;
        assert!(broken.try_recv().is_err(), "reported broken while the host still reads");
        gone_tx.send(()).unwrap();
        assert!(broken.await.is_ok(), "the platform's word went unreported");
        // Events still queue (and are dropped) so no sender blocks.
        for req in 0..200 {
            sink.event(Event::Pong { req }).await;
        }
    }

    #[tokio::test]
    async fn batch_survives_partial_writes_in_order() {
        let mut batch = Batch::default();
        let frames: Vec<(Vec<u8>, Vec<u8>)> =
            (0..5u8).map(|i| (format!("{{\"n\":{i}}}").into_bytes(), vec![i; i as usize * 7])).collect();
        for (h, p) in &frames {
            batch.push(Outgoing { header: h.clone().into(), payload: p.clone().into(), spliced: None });
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
