//! The single writer of the sidecar's stdout. Every event goes through one
//! bounded queue, so events of one child leave in the order they were
//! queued (all `output` before `exit`), and a host that stops reading
//! back-pressures the senders instead of growing memory: at most
//! `QUEUE` frames (each at most one read buffer) wait here.

use tokio::io::{AsyncWrite, AsyncWriteExt, BufWriter};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::framing;
use crate::protocol::Event;

const QUEUE: usize = 64;

pub struct Outgoing {
    pub header: Vec<u8>,
    pub payload: Vec<u8>,
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
        self.raw(header, Vec::new()).await;
    }

    /// For pre-serialized headers (output frames reuse theirs).
    pub async fn raw(&self, header: Vec<u8>, payload: Vec<u8>) {
        // A closed queue means the writer is gone (stdout broken): there is
        // nobody left to tell, and the children are cleaned up regardless.
        let _ = self.tx.send(Outgoing { header, payload }).await;
    }
}

async fn write_loop<W: AsyncWrite + Unpin>(out: W, mut rx: mpsc::Receiver<Outgoing>) {
    let mut out = BufWriter::with_capacity(256 * 1024, out);
    let mut broken = false;
    while let Some(msg) = rx.recv().await {
        if broken {
            continue; // keep draining so senders never block on a dead host
        }
        let mut r = framing::write_frame(&mut out, &msg.header, &msg.payload).await;
        // Flush only when nothing else is queued: batches small frames
        // under load, and adds no latency when idle.
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
