//! The lifecycle of one child, as one task:
//!
//! ```text
//! running --root exits--------------------------> draining
//!    |--cancel / timeout: ladder until empty----> draining
//! draining --EOF on every pipe, or drain deadline--> leftovers
//! leftovers --ladder on what is still alive-----> reaping --> `exit` sent
//! ```
//!
//! The root is reaped only in the last step, so its (zombie) pid keeps the
//! process group id reserved for as long as the group may be signalled.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::{sleep_until, timeout, timeout_at, Instant};

use crate::ladder::{self, Tree};
use crate::output::{self, Credit, Relayed};
use crate::platform::{ExitStatus, ProcessTree, Spawned};
use crate::protocol::{ByteTotals, DrainState, ErrorCode, ErrorEvent, Event, ExitEvent, ExitReason, Stream};
use crate::signals::Signal;
use crate::sink::Sink;
use crate::stdin::StdinFeeder;

/// After the drain deadline the leftovers are killed; their pipes then reach
/// EOF at once, and this is how long the bytes they wrote before dying may
/// take to arrive. Only a process outside the tree can hold a pipe longer.
const POST_KILL_DRAIN: Duration = Duration::from_millis(250);

#[derive(Debug)]
pub enum Control {
    Cancel { signal: Option<Signal>, grace: Option<Duration> },
    Signal { req: u64, signal: Signal },
}

pub struct Plan {
    pub id: String,
    pub signal: Signal,
    pub grace: Duration,
    pub drain_timeout: Duration,
    pub timeout: Option<Duration>,
}

struct Relay {
    stream: Stream,
    handle: Option<JoinHandle<Relayed>>,
    done: Relayed,
}

/// Runs the child to its end and sends its `exit`; reports the id on `done`.
pub async fn supervise(
    plan: Plan,
    spawned: Spawned,
    feeder: Option<StdinFeeder>,
    mut ctl: mpsc::UnboundedReceiver<Control>,
    credit: Arc<Credit>,
    sink: Sink,
    done: mpsc::UnboundedSender<String>,
) {
    let started = Instant::now();
    let Spawned { stdout, stderr, mut tree, .. } = spawned;
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut relays: Vec<Relay> = [(Stream::Stdout, stdout), (Stream::Stderr, stderr)]
        .into_iter()
        .filter_map(|(stream, reader)| {
            let reader = reader?;
            let task = output::relay(plan.id.clone(), stream, reader, credit.clone(), sink.clone(), stop_rx.clone());
            Some(Relay { stream, handle: Some(tokio::spawn(task)), done: Relayed::default() })
        })
        .collect();
    let piped = !relays.is_empty();

    let mut reason = ExitReason::Exited;
    let mut killed_pids = Vec::new();
    let deadline = plan.timeout.map(|t| started + t);

    // Running: until the root exits on its own, or a cancel or the timeout
    // runs the ladder over the whole tree.
    loop {
        tokio::select! {
            _ = tree.wait_root_exit() => break,
            _ = sleep_until(deadline.unwrap_or(started)), if deadline.is_some() => {
                reason = ExitReason::TimedOut;
                killed_pids = ladder::run(&mut tree, plan.signal, plan.grace).await.killed_pids;
                break;
            }
            msg = ctl.recv() => match msg {
                Some(Control::Signal { req, signal }) => forward(&plan.id, &mut tree, req, signal, &sink).await,
                Some(Control::Cancel { signal, grace }) => {
                    reason = ExitReason::Cancelled;
                    let out = ladder::run(&mut tree, signal.unwrap_or(plan.signal), grace.unwrap_or(plan.grace)).await;
                    killed_pids = out.killed_pids;
                    break;
                }
                // The server is gone without a word: nothing may outlive it.
                None => {
                    reason = ExitReason::Cancelled;
                    killed_pids = ladder::run(&mut tree, plan.signal, plan.grace).await.killed_pids;
                    break;
                }
            },
        }
    }

    // Draining: every byte already written reaches the client, but a
    // descendant holding a pipe cannot delay the exit past the deadline.
    let drain_deadline = Instant::now() + plan.drain_timeout;
    let mut kill_now: Option<(Signal, Duration)> = None;
    let drained = loop {
        tokio::select! {
            r = timeout_at(drain_deadline, join_relays(&mut relays)) => break r.is_ok(),
            msg = ctl.recv() => match msg {
                Some(Control::Signal { req, signal }) => forward(&plan.id, &mut tree, req, signal, &sink).await,
                // After a root that ended on its own, a cancel kills the
                // leftovers now instead of at the deadline. After a ladder
                // the tree is already empty: nothing to hurry.
                Some(Control::Cancel { signal, grace }) if reason == ExitReason::Exited => {
                    kill_now = Some((signal.unwrap_or(plan.signal), grace.unwrap_or(plan.grace)));
                    break false;
                }
                Some(Control::Cancel { .. }) => {}
                None => break false,
            },
        }
    };

    // Leftovers: whatever of the tree outlived the root is not left running.
    let leftover_pids = tree.descendants();
    if !tree.is_empty() {
        let (signal, grace) = kill_now.unwrap_or((plan.signal, plan.grace));
        let out = ladder::run(&mut tree, signal, grace).await;
        killed_pids.extend(out.killed_pids);
    }
    if !drained {
        let _ = timeout(POST_KILL_DRAIN, join_relays(&mut relays)).await;
        let _ = stop_tx.send(true);
        join_relays(&mut relays).await;
    }
    // Cut: the deadline (or a cancel) found a pipe still open, even if
    // the leftovers' last bytes then arrived, or a relay had to be stopped.
    let drain = match (piped, drained && relays.iter().all(|r| r.done.eof)) {
        (false, _) => DrainState::None,
        (true, true) => DrainState::Complete,
        (true, false) => DrainState::Cut,
    };

    // Reaping: nothing signals the group any more.
    let status = tree.reap();
    if let Some(f) = feeder {
        f.finish().await;
    }
    let mut bytes = ByteTotals::default();
    for r in &relays {
        match r.stream {
            Stream::Stdout => bytes.stdout = r.done.bytes,
            Stream::Stderr => bytes.stderr = r.done.bytes,
        }
    }
    killed_pids.sort_unstable();
    killed_pids.dedup();
    let (code, signal) = match status {
        ExitStatus::Code(c) => (Some(c), None),
        ExitStatus::Signal(s) => (None, Some(s)),
    };
    sink.event(Event::Exit(ExitEvent {
        id: plan.id.clone(),
        reason,
        code,
        signal,
        bytes,
        drain,
        killed_pids,
        leftover_pids,
        duration_ms: started.elapsed().as_millis() as u64,
    }))
    .await;

    // Requests that raced with the end get an answer too.
    ctl.close();
    while let Ok(msg) = ctl.try_recv() {
        if let Control::Signal { req, .. } = msg {
            sink.event(Event::Error(gone(&plan.id).req(Some(req)))).await;
        }
    }
    let _ = done.send(plan.id);
}

pub fn gone(id: &str) -> ErrorEvent {
    ErrorEvent::new(ErrorCode::UnknownChild, format!("child {id:?} has already exited")).id(id)
}

async fn forward(id: &str, tree: &mut ProcessTree, req: u64, signal: Signal, sink: &Sink) {
    let pids = tree.signal(signal);
    sink.event(Event::Signalled { req, id: id.to_owned(), signal: signal.name().to_owned(), pids }).await;
}

/// Awaits every relay still running; cancel-safe (finished relays keep
/// their totals, unfinished ones stay awaitable).
async fn join_relays(relays: &mut [Relay]) {
    for r in relays.iter_mut() {
        if let Some(h) = r.handle.as_mut() {
            r.done = h.await.unwrap_or_default();
            r.handle = None;
        }
    }
}
