//! Feeding one child's stdin, or one of its input descriptors (`spawn.fds`,
//! each with a feeder and a queue of its own). Writes are queued per
//! channel and answered one by one with `written` once their bytes are in
//! the pipe; the queue is bounded in bytes (`stdin_queue`), so a client
//! that floods a child which does not read gets `stdin_overflow`, not an
//! ever-growing sidecar.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::io::AsyncWriteExt;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::platform::ChildWriter;
use crate::protocol::{ErrorCode, ErrorEvent, Event};
use crate::sink::Sink;

enum Cmd {
    Write { req: u64, bytes: Vec<u8> },
    Close { req: u64 },
}

/// The server's side: queues writes.
pub struct StdinHandle {
    tx: mpsc::UnboundedSender<Cmd>,
    queued: Arc<AtomicU64>,
    limit: u64,
}

/// The child task's side: ends feeding when the child is gone.
pub struct StdinFeeder {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

/// `fd`: `None` for stdin, else the input descriptor's number (echoed in
/// `written`).
pub fn start(id: String, fd: Option<u32>, writer: ChildWriter, sink: Sink, limit: u64) -> (StdinHandle, StdinFeeder) {
    let (tx, rx) = mpsc::unbounded_channel();
    let (stop, stop_rx) = watch::channel(false);
    let queued = Arc::new(AtomicU64::new(0));
    let task = tokio::spawn(feed(Channel { id, fd }, writer, rx, stop_rx, queued.clone(), sink));
    (StdinHandle { tx, queued, limit }, StdinFeeder { stop, task })
}

impl StdinHandle {
    /// Queues a write, or returns the error to send back.
    pub fn write(&self, req: u64, bytes: Vec<u8>) -> Result<(), ErrorEvent> {
        let len = bytes.len() as u64;
        let queued = self.queued.load(Ordering::Acquire);
        if queued + len > self.limit {
            return Err(ErrorEvent::new(
                ErrorCode::StdinOverflow,
                format!("{queued} bytes already queued for this input of the child; the limit is {}", self.limit),
            ));
        }
        self.queued.fetch_add(len, Ordering::AcqRel);
        self.tx
            .send(Cmd::Write { req, bytes })
            .map_err(|_| ErrorEvent::new(ErrorCode::StdinClosed, "this input of the child is closed"))
    }

    pub fn close(&self, req: u64) -> Result<(), ErrorEvent> {
        self.tx.send(Cmd::Close { req }).map_err(|_| ErrorEvent::new(ErrorCode::StdinClosed, "this input of the child is already closed"))
    }

}

impl StdinFeeder {
    /// Ends feeding (the child is gone): every write still pending is
    /// answered with `stdin_closed`, then the pipe is closed. Writes sent
    /// after this fail at once in `StdinHandle::write`.
    pub async fn finish(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Which input of which child a feeder writes, for its answers.
struct Channel {
    id: String,
    fd: Option<u32>,
}

impl Channel {
    fn name(&self) -> String {
        self.fd.map_or_else(|| "stdin".to_owned(), |n| format!("fd{n}"))
    }
    fn written(&self, req: u64, bytes: u64, closed: bool) -> Event {
        Event::Written { req, id: self.id.clone(), fd: self.fd, bytes, closed }
    }
    fn closed(&self, req: u64, why: &str) -> Event {
        let message = format!("{}: {why}", self.name());
        Event::Error(ErrorEvent::new(ErrorCode::StdinClosed, message).req(Some(req)).id(self.id.clone()))
    }
}

async fn feed(
    ch: Channel,
    writer: ChildWriter,
    mut rx: mpsc::UnboundedReceiver<Cmd>,
    mut stop: watch::Receiver<bool>,
    queued: Arc<AtomicU64>,
    sink: Sink,
) {
    // `None` once closed: dropping the writer is what closes the pipe
    // (shutdown() is a no-op on a pipe; a duplex socket's write half shuts
    // down for writing when dropped).
    let mut writer = Some(writer);
    loop {
        // Checked on every turn, not only by `changed()` below: a stop seen
        // inside a pending write consumes the change notification, and the
        // server still holds the sender, so `recv()` alone would wait forever.
        if *stop.borrow() {
            break;
        }
        let cmd = tokio::select! {
            biased;
            cmd = rx.recv() => match cmd {
                Some(cmd) => cmd,
                None => break,
            },
            _ = stop.changed() => continue,
        };
        match cmd {
            Cmd::Write { req, bytes } => {
                let len = bytes.len() as u64;
                let outcome = match writer.as_mut() {
                    Some(_) if *stop.borrow() => Err("the child exited before reading these bytes"),
                    Some(w) => tokio::select! {
                        r = w.write_all(&bytes) => r.map_err(|_| "the child closed its end"),
                        _ = stop.changed() => Err("the child exited before reading these bytes"),
                    },
                    None => Err("closed"),
                };
                queued.fetch_sub(len, Ordering::AcqRel);
                match outcome {
                    Ok(()) => sink.event(ch.written(req, len, false)).await,
                    Err(why) => {
                        writer = None;
                        sink.event(ch.closed(req, why)).await;
                    }
                }
            }
            Cmd::Close { req } => {
                if writer.take().is_some() {
                    sink.event(ch.written(req, 0, true)).await;
                } else {
                    sink.event(ch.closed(req, "already closed")).await;
                }
            }
        }
    }
    // Answer whatever is still queued, then stop receiving; dropping the
    // writer closes our end of the pipe.
    rx.close();
    while let Ok(cmd) = rx.try_recv() {
        let (Cmd::Write { req, .. } | Cmd::Close { req }) = cmd;
        sink.event(ch.closed(req, "the child exited before reading these bytes")).await;
    }
}
