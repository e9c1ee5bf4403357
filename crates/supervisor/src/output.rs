//! Relaying one child stream to the client under a credit window: the
//! sidecar reads a pipe only while the bytes sent and not yet acknowledged
//! are below the window. A client that stops reading therefore stops the
//! reading here, the pipe fills, and the child's own write blocks: memory
//! stays bounded and no byte is dropped.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};
use tokio::io::AsyncReadExt;
use tokio::sync::{watch, Notify};

use crate::platform::ChildOutput;
use crate::protocol::{Event, Stream};
use crate::sink::Sink;

/// The most one read (and so one `output` frame) takes. A flooding child's
/// pipe is grown to 1 MiB (platform/unix/output_pipe.rs), so a read can
/// find this much waiting; fewer, larger frames cost the sidecar and the
/// client fewer wake-ups and system calls per byte.
const READ_CHUNK: usize = 256 * 1024;
/// Read buffers start small and double while reads fill them: an idle or
/// chatty child costs 4 KiB, a flooding one reaches 256 KiB. With a thousand
/// live children, up-front 64 KiB buffers made the heap (and so every
/// fork's page-table copy) 128 MiB larger.
const FIRST_CHUNK: usize = 4 * 1024;
/// Where the output can be spliced (platform/unix/linux/splice.rs), a pipe holding
/// at least this much is spliced rather than read. Below it, reading and
/// copying a few bytes costs less than a splice, which writes the frame's
/// header with a system call of its own; a chatty child's small writes
/// still go out in one `writev` with the frames queued beside them.
const SPLICE_MIN: usize = 16 * 1024;

pub struct Credit {
    window: u64,
    unacked: AtomicU64,
    /// Every byte ever taken from the child's pipes: whether output still
    /// moves, asked at the drain deadline.
    moved: AtomicU64,
    /// Set when the host is gone: nobody will ack any more, and the trees
    /// must still be drained to die cleanly.
    unlimited: AtomicBool,
    notify: Notify,
}

impl Credit {
    pub fn new(window: u64) -> Arc<Credit> {
        Arc::new(Credit { window, unacked: AtomicU64::new(0), moved: AtomicU64::new(0), unlimited: AtomicBool::new(false), notify: Notify::new() })
    }

    pub fn ack(&self, bytes: u64) {
        // Saturating: an over-ack from a confused client must not wrap.
        let _ = self.unacked.fetch_update(Ordering::AcqRel, Ordering::Acquire, |u| Some(u.saturating_sub(bytes)));
        self.notify.notify_waiters();
    }

    pub fn set_unlimited(&self) {
        self.unlimited.store(true, Ordering::Release);
        self.notify.notify_waiters();
    }

    /// The window is used up: reading waits for the client's next ack.
    pub fn exhausted(&self) -> bool {
        self.room() == 0
    }

    /// Bytes taken from the child's pipes so far.
    pub fn moved(&self) -> u64 {
        self.moved.load(Ordering::Acquire)
    }

    fn take(&self, bytes: u64) {
        self.unacked.fetch_add(bytes, Ordering::AcqRel);
        self.moved.fetch_add(bytes, Ordering::AcqRel);
    }

    fn room(&self) -> usize {
        if self.unlimited.load(Ordering::Acquire) {
            return READ_CHUNK;
        }
        let used = self.unacked.load(Ordering::Acquire);
        self.window.saturating_sub(used).min(READ_CHUNK as u64) as usize
    }

    async fn wait_room(&self) -> usize {
        loop {
            // Register interest before checking, so an ack between the
            // check and the await is not missed.
            let notified = self.notify.notified();
            let room = self.room();
            if room > 0 {
                return room;
            }
            notified.await;
        }
    }
}

/// How a relay ended: bytes sent (exactly the payload bytes of the `output`
/// events it queued) and whether it reached EOF (false: stopped at the drain
/// deadline, or a read error).
#[derive(Debug, Clone, Copy, Default)]
pub struct Relayed {
    pub bytes: u64,
    pub eof: bool,
}

/// Copies `reader` to the client until EOF or until `stop` turns true (the
/// drain deadline). A stopped relay hands its reader back: under
/// `leftovers: "keep"` the pipe is then read and discarded ([`discard`])
/// rather than closed.
pub async fn relay(
    id: String,
    stream: Stream,
    mut reader: ChildOutput,
    credit: Arc<Credit>,
    sink: Sink,
    mut stop: watch::Receiver<bool>,
) -> (Relayed, Option<ChildOutput>) {
    let mut stopped = false;
    let header = Bytes::from(serde_json::to_vec(&Event::Output { id: id.clone(), stream }).expect("serializes"));
    let mut done = Relayed::default();
    // Each read fills the buffer's spare room and is split off as the
    // frame's payload, handed to the sink without a copy; once the sink has
    // written every earlier payload of the allocation, `reserve` takes it
    // back, so a steady flood reuses its buffers instead of allocating.
    let mut chunk = FIRST_CHUNK;
    let mut buf = BytesMut::with_capacity(chunk);
    let mut splicing = true;
    loop {
        if *stop.borrow() {
            stopped = true;
            break;
        }
        let room = tokio::select! {
            room = credit.wait_room() => room,
            _ = stop.changed() => {
                stopped = true;
                break;
            }
        };
        if let Some(target) = sink.splice_target().filter(|_| splicing) {
            let waiting = tokio::select! {
                w = target.waiting(&mut reader) => w,
                _ = stop.changed() => {
                    stopped = true;
                    break;
                }
            };
            match waiting {
                Ok(n) if n >= SPLICE_MIN => {
                    let len = n.min(room);
                    credit.take(len as u64);
                    let Some((back, go_on)) = sink.splice(header.clone(), reader, len).await else {
                        // The writer is gone, and the pipe with it.
                        return (done, None);
                    };
                    reader = back;
                    // The frame carried `len` bytes whatever happened to
                    // the output; from a refusal on, reads take over.
                    done.bytes += len as u64;
                    splicing = go_on;
                    continue;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!("waiting on {stream:?} of {id}: {e}");
                    break;
                }
            }
        }
        let want = room.min(chunk);
        buf.reserve(want);
        let mut dst = (&mut buf).limit(want);
        let n = tokio::select! {
            r = reader.read_buf(&mut dst) => match r {
                Ok(0) => {
                    done.eof = true;
                    break;
                }
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    tracing::warn!("reading {stream:?} of {id}: {e}");
                    break;
                }
            },
            _ = stop.changed() => {
                stopped = true;
                break;
            }
        };
        credit.take(n as u64);
        done.bytes += n as u64;
        sink.raw(header.clone(), buf.split().freeze()).await;
        if n == chunk && chunk < READ_CHUNK {
            chunk *= 2;
        }
    }
    (done, if stopped { Some(reader) } else { None })
}

/// Reads a pipe to its end and throws the bytes away. A kept background
/// process (`leftovers: "keep"`) that still writes to the child's output
/// after the `exit` must neither block on a full pipe nor die of SIGPIPE
/// on a closed one; nobody is told those bytes any more.
pub async fn discard(mut reader: ChildOutput) {
    let mut buf = vec![0u8; FIRST_CHUNK];
    loop {
        match reader.read(&mut buf).await {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_is_bounded_by_window_and_chunk() {
        let c = Credit::new(100);
        assert_eq!(c.room(), 100);
        c.unacked.store(100, Ordering::Release);
        assert_eq!(c.room(), 0);
        c.ack(40);
        assert_eq!(c.room(), 40);
        c.ack(1_000_000);
        assert_eq!(c.room(), 100, "over-ack saturates instead of wrapping");
        c.unacked.store(100, Ordering::Release);
        c.set_unlimited();
        assert_eq!(c.room(), READ_CHUNK);
    }

    /// A child's output pipe: the writer, and the read end as the relay takes it.
    #[cfg(unix)]
    fn child_pipe() -> (tokio::net::unix::pipe::Sender, ChildOutput) {
        let (tx, rx) = tokio::net::unix::pipe::pipe().unwrap();
        (tx, ChildOutput::new(rx))
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn relay_stops_at_window_until_acked() {
        let (mut w, r) = child_pipe();
        let credit = Credit::new(10);
        let (sink, writer, _) = {
            let (client_end, sidecar_end) = tokio::io::duplex(1 << 20);
            std::mem::forget(client_end); // keep the other end open, unread
            Sink::start(sidecar_end, None, None)
        };
        let (_stop_tx, stop_rx) = watch::channel(false);
        use tokio::io::AsyncWriteExt;
        w.write_all(&[7u8; 25]).await.unwrap();
        drop(w);
        let task = tokio::spawn(relay("x".into(), Stream::Stdout, r, credit.clone(), sink, stop_rx));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!task.is_finished(), "relay must wait for credit");
        assert_eq!(credit.unacked.load(Ordering::Acquire), 10);
        credit.ack(10);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        credit.ack(10);
        let (done, reader) = task.await.unwrap();
        assert_eq!((done.bytes, done.eof), (25, true));
        assert!(reader.is_none(), "a relay that reached EOF has no reader to hand back");
        writer.abort();
    }

    /// Relays `total` patterned bytes, written in `pieces` uneven writes,
    /// through a sink on a socketpair (splicing into `target`, if any) and
    /// checks what the client end reads: the exact bytes, in order, in
    /// `output` frames, then the marker frame sent after the relay ended.
    /// Returns the payload sizes of the frames, and whether the sink would
    /// still splice at the end.
    #[cfg(target_os = "linux")]
    async fn relay_through(
        total: usize,
        target: impl FnOnce(std::os::fd::BorrowedFd<'_>) -> Option<crate::platform::SpliceTarget>,
    ) -> (Vec<usize>, bool) {
        use std::os::fd::AsFd;
        use tokio::io::AsyncWriteExt;
        let (client, sidecar) = tokio::net::UnixStream::pair().unwrap();
        let target = target(sidecar.as_fd());
        let (sink, writer, _) = Sink::start(sidecar, target, None);
        let (mut w, r) = child_pipe();
        let data: Vec<u8> = (0..total).map(|i| (i * 7 % 251) as u8).collect();
        let producer = {
            let data = data.clone();
            tokio::spawn(async move {
                let mut at = 0;
                for k in 0.. {
                    let n = (1 + k * 40_503 % 300_000).min(data.len() - at);
                    w.write_all(&data[at..at + n]).await.unwrap();
                    at += n;
                    if at == data.len() {
                        break;
                    }
                }
            })
        };
        let credit = Credit::new(1 << 20);
        let (_stop_tx, stop_rx) = watch::channel(false);
        let relay = tokio::spawn({
            let (credit, sink) = (credit.clone(), sink.clone());
            async move {
                let out = relay("x".into(), Stream::Stdout, r, credit, sink.clone(), stop_rx).await;
                sink.event(Event::Goodbye { req: None }).await;
                out
            }
        });
        let mut frames = crate::framing::FrameReader::new(client, 1 << 20, 16 << 20);
        let (mut got, mut sizes) = (Vec::new(), Vec::new());
        loop {
            // Generous: only here so that a misframed stream fails instead of hanging.
            let next = tokio::time::timeout(std::time::Duration::from_secs(60), frames.next()).await;
            let f = next.expect("no frame for 60 s").unwrap().expect("the stream ended before the marker");
            let header: serde_json::Value = serde_json::from_slice(&f.header).unwrap();
            if header["event"] == "goodbye" {
                break;
            }
            assert_eq!(header["event"], "output");
            sizes.push(f.payload.len());
            credit.ack(f.payload.len() as u64);
            got.extend_from_slice(&f.payload);
        }
        producer.await.unwrap();
        let (done, _) = relay.await.unwrap();
        assert_eq!((done.bytes, done.eof), (total as u64, true));
        assert!(got == data, "the bytes differ from what was written ({} of {total} received)", got.len());
        let splicing = sink.splice_target().is_some();
        writer.abort();
        (sizes, splicing)
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn spliced_output_arrives_whole_and_in_order() {
        let (sizes, splicing) = relay_through(8 << 20, crate::platform::SpliceTarget::new).await;
        assert!(splicing, "a socket took the splices");
        assert!(sizes.iter().any(|&n| n >= SPLICE_MIN), "no frame was large enough to be spliced: {sizes:?}");
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn copied_output_arrives_whole_and_in_order() {
        relay_through(8 << 20, |_| None).await;
    }

    /// An output that refuses splice(2) (an eventfd stands in for one) turns
    /// splicing off; the frame it refused is completed by reading the pipe.
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_refused_splice_completes_its_frame_by_copying() {
        use std::os::fd::{AsFd, FromRawFd, OwnedFd};
        // SAFETY: eventfd returns a new descriptor (checked), owned from here.
        let refusing = unsafe { OwnedFd::from_raw_fd(nix::errno::Errno::result(libc::eventfd(0, libc::EFD_NONBLOCK)).unwrap()) };
        let target = |_: std::os::fd::BorrowedFd<'_>| {
            let t = crate::platform::SpliceTarget::new(refusing.as_fd());
            assert!(t.is_some(), "the stand-in output could not be watched");
            t
        };
        let (_, splicing) = relay_through(4 << 20, target).await;
        assert!(!splicing, "the refusal did not turn splicing off");
    }
}
