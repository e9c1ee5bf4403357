//! The spawn channel (docs/reference/protocol.md, "The spawn channel"): a second
//! channel beside stdin/stdout that a client can drive with blocking reads,
//! so that its `spawn()` returns with the pid set, as Node's does. Frames as
//! on stdin/stdout; `hello` goes out first, then each `spawn` request read
//! here is answered here (`spawned` or `error`). Everything else about the
//! child (output, exit) stays on stdout.
//!
//! Answers are written by their own task from an unbounded queue: the
//! server loop never waits on this channel, and what queues here is one
//! small frame per request the client sent on it.

use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

use crate::framing::{self, Frame, FrameError, FrameReader};
use crate::platform::SyncEndpoint;
use crate::protocol::{self, ErrorEvent, Event};

/// What the server hears from the spawn channel.
pub enum SyncInput {
    Frame(Frame),
    Bad(ErrorEvent),
}

#[derive(Clone)]
pub struct SyncChannel {
    answers: mpsc::UnboundedSender<Vec<u8>>,
}

impl SyncChannel {
    /// Serves `endpoint` once its client is connected: `hello` first, then
    /// the answers; the frames read arrive on the returned receiver.
    pub fn start(endpoint: SyncEndpoint, hello: &Event, max_header: u32, max_payload: u32) -> (SyncChannel, mpsc::Receiver<SyncInput>) {
        let (answers, mut queue) = mpsc::unbounded_channel::<Vec<u8>>();
        let (input, frames) = mpsc::channel(16);
        let channel = SyncChannel { answers };
        channel.answer(hello);
        tokio::spawn(async move {
            let (reader, mut writer) = match endpoint.connected().await {
                Ok(io) => io,
                Err(e) => return tracing::warn!("the spawn channel's client never connected: {e}"),
            };
            tokio::spawn(read_loop(FrameReader::new(reader, max_header, max_payload), input));
            while let Some(frame) = queue.recv().await {
                if let Err(e) = writer.write_all(&frame).await {
                    // The client closed its end: it gets no more answers,
                    // and stdout still carries every child's events.
                    return tracing::info!("the spawn channel is closed ({e})");
                }
                let _ = writer.flush().await;
            }
        });
        (channel, frames)
    }

    pub fn answer(&self, ev: &Event) {
        let header = serde_json::to_vec(ev).expect("events always serialize");
        let mut frame = Vec::new();
        framing::encode(&header, &[], &mut frame);
        let _ = self.answers.send(frame);
    }
}

async fn read_loop<R: tokio::io::AsyncRead + Unpin>(mut reader: FrameReader<R>, tx: mpsc::Sender<SyncInput>) {
    loop {
        let item = match reader.next().await {
            Ok(Some(f)) => SyncInput::Frame(f),
            Err(FrameError::TooLarge { header_len, payload_len, head }) => SyncInput::Bad(protocol::frame_too_large(header_len, payload_len, &head)),
            // The client's end is gone (or cut a frame short): nothing more
            // comes here; the host's own end is still told by stdin.
            Ok(None) | Err(FrameError::Truncated { .. }) | Err(FrameError::Io(_)) => return,
        };
        if tx.send(item).await.is_err() {
            return;
        }
    }
}
