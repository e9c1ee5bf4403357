//! The lifecycle of one child, as one task:
//!
//! ```text
//! running --root exits--------------------------> draining
//!    |--cancel / timeout: ladder until empty----> draining
//! draining --EOF on every pipe, or drain deadline--> leftovers
//! leftovers --kill: ladder on what is still alive--> reaping --> `exit` sent
//!           --keep: nothing signalled------------> `exit` (kept) --> kept
//! kept --cancel / shutdown / EOF: ladder, or the tree empties--> reaping --> `released` sent
//! ```
//!
//! Asked for (`report_root_exit`), `root_exited` goes out as soon as the
//! root's exit is seen, in whichever phase, and always before the `exit`.
//!
//! The root is reaped only in the last step, so its (zombie) pid keeps the
//! process group id reserved for as long as the group may be signalled:
//! under `keep` that is until `released`, so the `exit` reads the root's
//! status without reaping it.
//!
//! Each phase is its own function over the small [`Supervised`] view of a
//! tree (the ladder's [`Tree`] plus the root's exit), so the drain deadline
//! and both leftovers rules are unit-tested with a mock below, as the
//! ladder is in ladder.rs.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::{sleep, sleep_until, timeout, timeout_at, Instant};

use crate::ladder::{self, Grace, Tree};
use crate::output::{self, Credit, Relayed};
use crate::platform::{ChildOutput, ExitStatus, ProcessTree, Spawned};
use crate::protocol::{
    ByteTotals, DrainState, ErrorCode, ErrorEvent, Event, ExitEvent, ExitReason, Leftovers, ReleaseReason, Stream,
};
use crate::signals::Signal;
use crate::sink::Sink;
use crate::stdin::StdinFeeder;

/// After the drain deadline the leftovers are killed; their pipes then reach
/// EOF at once, and this is how long the bytes they wrote before dying may
/// take to arrive. Only a process outside the tree can hold a pipe longer.
const POST_KILL_DRAIN: Duration = Duration::from_millis(250);

/// How often a kept tree is checked for having emptied on its own: 20 ms
/// doubling to 1 s. A kept background job usually runs for long; checking
/// it (a cgroup file, or a /proc walk without a cgroup) every second costs
/// little, and the short first steps notice a job that ends at once.
const KEPT_POLL_FIRST: Duration = Duration::from_millis(20);
const KEPT_POLL_MAX: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub enum Control {
    Cancel(Cancel),
    Signal { req: u64, signal: Signal },
}

impl Control {
    /// A cancel that overrides nothing of the spawn's ladder.
    pub fn cancel() -> Control {
        Control::Cancel(Cancel::default())
    }
}

/// A cancel's overrides of the spawn's plan (docs/reference/protocol.md, `cancel`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Cancel {
    pub signal: Option<Signal>,
    pub grace: Option<Duration>,
    /// Once the root has exited, the rest of the tree waits at most this long.
    pub after_root: Option<Duration>,
    /// After this cancel's ladder, the pipes drain at most this long.
    pub drain: Option<Duration>,
}

/// What a child task tells the server about its id.
#[derive(Debug)]
pub enum Done {
    /// The `exit` said `kept: true`: the id stays live (cancel and signal
    /// reach the kept tree) but its stdin is closed.
    Kept(String),
    /// The last event of this id was sent (`exit`, or `released`).
    Finished(String),
}

pub struct Plan {
    pub id: String,
    pub signal: Signal,
    pub grace: Duration,
    pub drain_timeout: Duration,
    pub timeout: Option<Duration>,
    pub leftovers: Leftovers,
    pub report_root_exit: bool,
}

impl Plan {
    /// The ladder of a cancel: its overrides over the spawn's own.
    fn ladder(&self, c: &Cancel) -> (Signal, Grace) {
        (c.signal.unwrap_or(self.signal), Grace { total: c.grace.unwrap_or(self.grace), after_root: c.after_root })
    }
}

/// What the lifecycle needs from a platform's tree beyond the ladder's view.
pub(crate) trait Supervised: Tree {
    /// Resolves when the root has exited; it stays unreaped.
    fn wait_root_exit(&mut self) -> impl Future<Output = ()> + Send;
    /// Live members other than the root.
    fn descendants(&mut self) -> Vec<u32>;
    /// How the root ended, without reaping it. Call only once it exited.
    fn exit_status(&mut self) -> ExitStatus;
}

impl Supervised for ProcessTree {
    fn wait_root_exit(&mut self) -> impl Future<Output = ()> + Send {
        ProcessTree::wait_root_exit(self)
    }
    fn descendants(&mut self) -> Vec<u32> {
        ProcessTree::descendants(self)
    }
    fn exit_status(&mut self) -> ExitStatus {
        ProcessTree::exit_status(self)
    }
}

/// `root_exited`, when the spawn asked for it: sent once, as soon as any
/// phase sees the root gone (the running phase's wait, or a ladder's poll
/// through [`Watched`]). The event is queued from a task of its own, since
/// a ladder's poll cannot wait for the sink; the `exit` waits for that task.
pub(crate) struct RootNotice {
    id: String,
    started: Instant,
    sink: Option<Sink>,
    queued: Option<JoinHandle<()>>,
}

impl RootNotice {
    fn new(plan: &Plan, started: Instant, sink: &Sink) -> RootNotice {
        RootNotice { id: plan.id.clone(), started, sink: plan.report_root_exit.then(|| sink.clone()), queued: None }
    }

    /// Queues the event if the root has exited and it was not sent yet.
    fn check<T: Supervised>(&mut self, tree: &mut T) {
        if self.sink.is_none() || !tree.root_exited() {
            return;
        }
        let Some(sink) = self.sink.take() else { return };
        let (code, signal) = split(tree.exit_status());
        let event = Event::RootExited { id: self.id.clone(), code, signal, duration_ms: self.started.elapsed().as_millis() as u64 };
        self.queued = Some(tokio::spawn(async move { sink.event(event).await }));
    }

    /// Before the `exit`: the root has exited by then, so this sends it if
    /// no phase did, and waits until it is queued.
    async fn flush<T: Supervised>(&mut self, tree: &mut T) {
        self.check(tree);
        if let Some(queued) = self.queued.take() {
            let _ = queued.await;
        }
    }
}

/// A tree seen through a ladder, which polls it: each poll also looks for
/// the root's exit, so `root_exited` is not held back until the ladder ends.
struct Watched<'a, T> {
    tree: &'a mut T,
    notice: &'a mut RootNotice,
}

impl<T: Supervised> Tree for Watched<'_, T> {
    fn signal(&mut self, sig: Signal) -> Vec<u32> {
        self.tree.signal(sig)
    }
    fn kill(&mut self) -> Vec<u32> {
        self.tree.kill()
    }
    fn is_empty(&mut self) -> bool {
        let empty = self.tree.is_empty();
        self.notice.check(self.tree);
        empty
    }
    fn root_exited(&mut self) -> bool {
        self.tree.root_exited()
    }
    fn graceful_failed(&mut self) -> bool {
        self.tree.graceful_failed()
    }
}

fn split(status: ExitStatus) -> (Option<i32>, Option<String>) {
    match status {
        ExitStatus::Code(c) => (Some(c), None),
        ExitStatus::Signal(s) => (None, Some(s)),
    }
}

struct Relay {
    stream: Stream,
    handle: Option<JoinHandle<(Relayed, Option<ChildOutput>)>>,
    done: Relayed,
    /// The pipe of a relay stopped at the drain deadline, still open.
    reader: Option<ChildOutput>,
}

/// How the running phase ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Ran {
    pub reason: ExitReason,
    pub killed_pids: Vec<u32>,
    /// The drain deadline a cancel asked for, over the spawn's own.
    pub drain: Option<Duration>,
}

/// How the draining phase ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Drained {
    /// Every relay reached its end before the deadline.
    pub drained: bool,
    /// A cancel (or the server's end) during the drain: the leftovers are
    /// killed now, with this ladder, whatever the policy.
    pub kill_now: Option<(Signal, Grace)>,
}

/// What the leftovers phase did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct LeftoversOutcome {
    /// Descendants alive once the drain was over.
    pub leftover_pids: Vec<u32>,
    /// Pids the forceful step of the leftovers' ladder reached.
    pub killed_pids: Vec<u32>,
    /// The leftovers were left running (`keep`): a `released` follows.
    pub kept: bool,
}

/// Runs the child to its end and sends its `exit` (and, for a kept tree,
/// its `released`); reports the id on `done`.
/// `feeders`: stdin's and every input descriptor's.
pub async fn supervise(
    plan: Plan,
    spawned: Spawned,
    feeders: Vec<StdinFeeder>,
    mut ctl: mpsc::UnboundedReceiver<Control>,
    credit: Arc<Credit>,
    sink: Sink,
    done: mpsc::UnboundedSender<Done>,
) {
    let started = Instant::now();
    let Spawned { stdout, stderr, extra, mut tree, .. } = spawned;
    let (stop_tx, stop_rx) = watch::channel(false);
    // Every output channel counts in the drain: an extra descriptor's bytes
    // reach the client before the `exit` as stdout's do.
    let outputs = [(Stream::Stdout, stdout), (Stream::Stderr, stderr)]
        .into_iter()
        .chain(extra.into_iter().map(|e| (Stream::Fd(e.fd), e.reader)));
    let mut relays: Vec<Relay> = outputs
        .filter_map(|(stream, reader)| {
            let reader = reader?;
            let task = output::relay(plan.id.clone(), stream, reader, credit.clone(), sink.clone(), stop_rx.clone());
            Some(Relay { stream, handle: Some(tokio::spawn(task)), done: Relayed::default(), reader: None })
        })
        .collect();
    let piped = !relays.is_empty();

    let deadline = plan.timeout.map(|t| started + t);
    let mut notice = RootNotice::new(&plan, started, &sink);
    let Ran { reason, mut killed_pids, drain: drain_for } = running(&plan, &mut tree, deadline, &mut ctl, &sink, &mut notice).await;
    notice.check(&mut tree);

    // Output still on its way: the relays wait for the client (its window
    // used up, or stdout's queue full), or moved bytes since last asked.
    // Never after a cancel that set its own drain bound: its client asked
    // not to wait for output (a release whose output nobody reads), so a
    // window used up must not hold the exit past that bound.
    let last_moved = std::sync::atomic::AtomicU64::new(credit.moved());
    let in_flight = || {
        if drain_for.is_some() {
            return false;
        }
        let moved = credit.moved();
        let progressed = moved != last_moved.swap(moved, std::sync::atomic::Ordering::Relaxed);
        progressed || credit.exhausted() || sink.backed_up()
    };
    let deadline = Deadline { after: drain_for.unwrap_or(plan.drain_timeout), in_flight: &in_flight };
    let Drained { drained, kill_now } = drain(&plan, &mut tree, reason, deadline, join_relays(&mut relays), &mut ctl, &sink).await;

    let left = leftovers(&plan, &mut tree, reason, kill_now).await;
    killed_pids.extend(left.killed_pids);
    if !drained {
        // Killed leftovers' last bytes are still collected, as fast as the
        // client takes them; kept ones are not waited for (that is the point
        // of keeping them), nor are they after a cancel that set its own
        // drain bound: its client asked for no longer wait (a release whose
        // output nobody reads).
        if !left.kept && drain_for.is_none() {
            while timeout(POST_KILL_DRAIN, join_relays(&mut relays)).await.is_err() && in_flight() {}
        }
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

    notice.flush(&mut tree).await;
    // Reaping (or, for a kept tree, reading the status without reaping:
    // the kept group may still be signalled).
    let status = if left.kept { tree.exit_status() } else { tree.reap() };
    for f in feeders {
        f.finish().await;
    }
    let mut bytes = ByteTotals::default();
    for r in &relays {
        match r.stream {
            Stream::Stdout => bytes.stdout = r.done.bytes,
            Stream::Stderr => bytes.stderr = r.done.bytes,
            Stream::Fd(_) => {
                bytes.fds.insert(r.stream.name().into_owned(), r.done.bytes);
            }
        }
    }
    killed_pids.sort_unstable();
    killed_pids.dedup();
    let (code, signal) = split(status);
    sink.event(Event::Exit(ExitEvent {
        id: plan.id.clone(),
        reason,
        code,
        signal,
        bytes,
        drain,
        killed_pids,
        leftover_pids: left.leftover_pids,
        kept: left.kept,
        duration_ms: started.elapsed().as_millis() as u64,
    }))
    .await;

    if left.kept {
        let _ = done.send(Done::Kept(plan.id.clone()));
        // Pipes the kept processes still hold are read and discarded.
        let discards: Vec<JoinHandle<()>> =
            relays.iter_mut().filter_map(|r| r.reader.take()).map(|r| tokio::spawn(output::discard(r))).collect();
        let (reason, killed_pids) = kept(&plan, &mut tree, &mut ctl, &sink).await;
        for d in discards {
            // Normally already at EOF (every writer in the tree is gone);
            // aborting drops a pipe some escaped holder still has open.
            d.abort();
        }
        tree.reap();
        sink.event(Event::Released {
            id: plan.id.clone(),
            reason,
            killed_pids,
            duration_ms: started.elapsed().as_millis() as u64,
        })
        .await;
    }

    // Requests that raced with the end get an answer too.
    ctl.close();
    while let Ok(msg) = ctl.try_recv() {
        if let Control::Signal { req, .. } = msg {
            sink.event(Event::Error(gone(&plan.id).req(Some(req)))).await;
        }
    }
    let _ = done.send(Done::Finished(plan.id));
}

/// Running: until the root exits on its own, or a cancel or the timeout
/// runs the ladder over the whole tree.
pub(crate) async fn running<T: Supervised>(
    plan: &Plan,
    tree: &mut T,
    deadline: Option<Instant>,
    ctl: &mut mpsc::UnboundedReceiver<Control>,
    sink: &Sink,
    notice: &mut RootNotice,
) -> Ran {
    loop {
        let (reason, cancel) = tokio::select! {
            _ = tree.wait_root_exit() => return Ran { reason: ExitReason::Exited, killed_pids: Vec::new(), drain: None },
            _ = sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => (ExitReason::TimedOut, Cancel::default()),
            msg = ctl.recv() => match msg {
                Some(Control::Signal { req, signal }) => {
                    forward(&plan.id, tree, req, signal, sink).await;
                    continue;
                }
                Some(Control::Cancel(c)) => (ExitReason::Cancelled, c),
                // The server is gone without a word: nothing may outlive it.
                None => (ExitReason::Cancelled, Cancel::default()),
            },
        };
        let (signal, grace) = plan.ladder(&cancel);
        let out = ladder::run(&mut Watched { tree, notice }, signal, grace).await;
        return Ran { reason, killed_pids: out.killed_pids, drain: cancel.drain };
    }
}

/// A drain's deadline: `after` from its start. `in_flight` says output is
/// still on its way (the relays wait for the client, or moved bytes since it
/// was last asked). A deadline that finds the tree gone and output in flight
/// is moved on by `after`: nothing alive holds the pipes then, so what is
/// left in them is finite and was written by the tree, and neither a client
/// blocked a while (a run of synchronous spawns) nor a sidecar short of CPU
/// must lose it.
pub(crate) struct Deadline<F: Fn() -> bool> {
    pub after: Duration,
    pub in_flight: F,
}

/// Draining: every byte already written reaches the client, but a
/// descendant holding a pipe cannot delay the exit past the `deadline`.
/// `join` resolves when every relay has ended.
pub(crate) async fn drain<T: Tree, F: Fn() -> bool>(
    plan: &Plan,
    tree: &mut T,
    reason: ExitReason,
    deadline: Deadline<F>,
    join: impl Future<Output = ()>,
    ctl: &mut mpsc::UnboundedReceiver<Control>,
    sink: &Sink,
) -> Drained {
    let Deadline { after, in_flight } = deadline;
    let mut deadline = Instant::now() + after;
    tokio::pin!(join);
    loop {
        tokio::select! {
            r = timeout_at(deadline, &mut join) => match r {
                Ok(()) => return Drained { drained: true, kill_now: None },
                Err(_) if tree.is_empty() && in_flight() => deadline = Instant::now() + after,
                Err(_) => return Drained { drained: false, kill_now: None },
            },
            msg = ctl.recv() => match msg {
                Some(Control::Signal { req, signal }) => forward(&plan.id, tree, req, signal, sink).await,
                // After a root that ended on its own, a cancel kills the
                // leftovers now instead of at the deadline, under either
                // policy: the client asked for the end. After a ladder the
                // tree is already empty: nothing to hurry.
                Some(Control::Cancel(c)) if reason == ExitReason::Exited => {
                    return Drained { drained: false, kill_now: Some(plan.ladder(&c)) };
                }
                Some(Control::Cancel { .. }) => {}
                // The server is gone: nothing is kept past it.
                None => return Drained { drained: false, kill_now: Some((plan.signal, plan.grace.into())) },
            },
        }
    }
}

/// Leftovers: what of the tree outlived the root is killed (`kill`, or a
/// cancel during the drain) or left running (`keep`). Only a root that
/// ended on its own leaves a tree to keep: after a cancel or a timeout the
/// ladder has already emptied it.
pub(crate) async fn leftovers<T: Supervised>(
    plan: &Plan,
    tree: &mut T,
    reason: ExitReason,
    kill_now: Option<(Signal, Grace)>,
) -> LeftoversOutcome {
    let leftover_pids = tree.descendants();
    if tree.is_empty() {
        return LeftoversOutcome { leftover_pids, killed_pids: Vec::new(), kept: false };
    }
    if plan.leftovers == Leftovers::Keep && kill_now.is_none() && reason == ExitReason::Exited {
        return LeftoversOutcome { leftover_pids, killed_pids: Vec::new(), kept: true };
    }
    let (signal, grace) = kill_now.unwrap_or((plan.signal, plan.grace.into()));
    let out = ladder::run(tree, signal, grace).await;
    LeftoversOutcome { leftover_pids, killed_pids: out.killed_pids, kept: false }
}

/// Kept: the tree stays contained and supervised (a `signal` still reaches
/// it) until a cancel, the server's end (shutdown, stdin EOF), or until it
/// empties on its own. Returns why it ended and the forceful step's pids.
pub(crate) async fn kept<T: Tree>(
    plan: &Plan,
    tree: &mut T,
    ctl: &mut mpsc::UnboundedReceiver<Control>,
    sink: &Sink,
) -> (ReleaseReason, Vec<u32>) {
    let mut step = KEPT_POLL_FIRST;
    loop {
        tokio::select! {
            _ = sleep(step) => {
                if tree.is_empty() {
                    return (ReleaseReason::Emptied, Vec::new());
                }
                step = (step * 2).min(KEPT_POLL_MAX);
            }
            msg = ctl.recv() => match msg {
                Some(Control::Signal { req, signal }) => forward(&plan.id, tree, req, signal, sink).await,
                Some(Control::Cancel(c)) => {
                    let (signal, grace) = plan.ladder(&c);
                    let out = ladder::run(tree, signal, grace).await;
                    return (ReleaseReason::Cancelled, out.killed_pids);
                }
                None => {
                    let out = ladder::run(tree, plan.signal, plan.grace).await;
                    return (ReleaseReason::Cancelled, out.killed_pids);
                }
            },
        }
    }
}

pub fn gone(id: &str) -> ErrorEvent {
    ErrorEvent::new(ErrorCode::UnknownChild, format!("child {id:?} has already exited")).id(id)
}

async fn forward<T: Tree>(id: &str, tree: &mut T, req: u64, signal: Signal, sink: &Sink) {
    let pids = tree.signal(signal);
    sink.event(Event::Signalled { req, id: id.to_owned(), signal: signal.name().to_owned(), pids }).await;
}

/// Awaits every relay still running; cancel-safe (finished relays keep
/// their totals, unfinished ones stay awaitable).
async fn join_relays(relays: &mut [Relay]) {
    for r in relays.iter_mut() {
        if let Some(h) = r.handle.as_mut() {
            let (done, reader) = h.await.unwrap_or_default();
            r.done = done;
            r.reader = reader;
            r.handle = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tree whose root exits at `root_exit_at` and whose other members
    /// each die on the signals in their `dies_on` set (SIGKILL always), or
    /// all on their own at `empty_at`.
    struct Mock {
        members: Vec<(u32, Vec<Signal>)>,
        log: Vec<String>,
        root_exit_at: Instant,
        empty_at: Option<Instant>,
    }

    fn mock(members: Vec<(u32, Vec<Signal>)>) -> Mock {
        Mock { members, log: vec![], root_exit_at: Instant::now(), empty_at: None }
    }

    impl Tree for Mock {
        fn signal(&mut self, sig: Signal) -> Vec<u32> {
            self.log.push(format!("signal {}", sig.name()));
            let pids = self.members.iter().map(|m| m.0).collect();
            self.members.retain(|(_, dies_on)| !dies_on.contains(&sig));
            pids
        }
        fn kill(&mut self) -> Vec<u32> {
            self.log.push("kill".into());
            std::mem::take(&mut self.members).into_iter().map(|m| m.0).collect()
        }
        fn is_empty(&mut self) -> bool {
            if self.empty_at.is_some_and(|t| Instant::now() >= t) {
                self.members.clear();
            }
            Instant::now() >= self.root_exit_at && self.members.is_empty()
        }
        fn root_exited(&mut self) -> bool {
            Instant::now() >= self.root_exit_at
        }
    }

    impl Supervised for Mock {
        fn wait_root_exit(&mut self) -> impl Future<Output = ()> + Send {
            sleep_until(self.root_exit_at)
        }
        fn descendants(&mut self) -> Vec<u32> {
            self.is_empty();
            self.members.iter().map(|m| m.0).collect()
        }
        fn exit_status(&mut self) -> ExitStatus {
            ExitStatus::Code(0)
        }
    }

    fn plan(leftovers: Leftovers) -> Plan {
        Plan {
            id: "c".into(),
            signal: Signal::Term,
            grace: Duration::from_millis(500),
            drain_timeout: Duration::from_millis(2000),
            timeout: None,
            leftovers,
            report_root_exit: false,
        }
    }

    /// A sink whose events nobody reads (the phases' events are not what
    /// these tests check; the integration tests and transcripts do).
    fn sink() -> Sink {
        let (client_end, sidecar_end) = tokio::io::duplex(1 << 20);
        std::mem::forget(client_end);
        Sink::start(sidecar_end, None, None).0
    }

    #[tokio::test(start_paused = true)]
    async fn drain_deadline_cuts_a_pipe_that_is_never_closed() {
        let (_tx, mut ctl) = mpsc::unbounded_channel();
        let mut t = mock(vec![(12, vec![])]);
        let start = Instant::now();
        let p = plan(Leftovers::Kill);
        let out = drain(&p, &mut t, ExitReason::Exited, Deadline { after: p.drain_timeout, in_flight: || false }, std::future::pending(), &mut ctl, &sink()).await;
        assert_eq!(out, Drained { drained: false, kill_now: None });
        assert_eq!(start.elapsed(), Duration::from_millis(2000), "the cut comes at the drain deadline, not before or after");
        assert!(t.log.is_empty(), "the drain itself signals nothing");
    }

    #[tokio::test(start_paused = true)]
    async fn a_deadline_that_finds_the_tree_gone_and_the_client_behind_waits_for_the_client() {
        let (_tx, mut ctl) = mpsc::unbounded_channel();
        let mut t = mock(vec![]);
        let start = Instant::now();
        let caught_up = start + Duration::from_millis(4500);
        let eof = sleep_until(caught_up);
        let behind = || Instant::now() < caught_up;
        let p = plan(Leftovers::Kill);
        let out = drain(&p, &mut t, ExitReason::Exited, Deadline { after: p.drain_timeout, in_flight: behind }, eof, &mut ctl, &sink()).await;
        assert_eq!(out, Drained { drained: true, kill_now: None });
        assert_eq!(start.elapsed(), Duration::from_millis(4500), "every byte, at the client's pace");
        // With a member alive, the deadline cuts even while the client is behind.
        let mut held = mock(vec![(12, vec![])]);
        let start = Instant::now();
        let out = drain(&p, &mut held, ExitReason::Exited, Deadline { after: p.drain_timeout, in_flight: || true }, std::future::pending(), &mut ctl, &sink()).await;
        assert_eq!((out.drained, start.elapsed()), (false, Duration::from_millis(2000)));
    }

    #[tokio::test(start_paused = true)]
    async fn drain_ends_at_eof_before_the_deadline() {
        let (_tx, mut ctl) = mpsc::unbounded_channel();
        let mut t = mock(vec![]);
        let start = Instant::now();
        let eof = sleep(Duration::from_millis(300));
        let p = plan(Leftovers::Keep);
        let out = drain(&p, &mut t, ExitReason::Exited, Deadline { after: p.drain_timeout, in_flight: || false }, eof, &mut ctl, &sink()).await;
        assert_eq!(out, Drained { drained: true, kill_now: None });
        assert_eq!(start.elapsed(), Duration::from_millis(300));
    }

    #[tokio::test(start_paused = true)]
    async fn cancel_during_the_drain_kills_now_under_either_policy() {
        for policy in [Leftovers::Kill, Leftovers::Keep] {
            let (tx, mut ctl) = mpsc::unbounded_channel();
            tx.send(Control::Cancel(Cancel { signal: Some(Signal::Int), ..Cancel::default() })).unwrap();
            let mut t = mock(vec![(12, vec![])]);
            let p = plan(policy);
            let out = drain(&p, &mut t, ExitReason::Exited, Deadline { after: p.drain_timeout, in_flight: || false }, std::future::pending(), &mut ctl, &sink()).await;
            assert_eq!(out.kill_now, Some((Signal::Int, p.grace.into())));
            let left = leftovers(&p, &mut t, ExitReason::Exited, out.kill_now).await;
            assert_eq!(left, LeftoversOutcome { leftover_pids: vec![12], killed_pids: vec![12], kept: false });
            assert_eq!(t.log, vec!["signal SIGINT", "kill"]);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn server_gone_during_the_drain_keeps_nothing() {
        let (tx, mut ctl) = mpsc::unbounded_channel::<Control>();
        drop(tx);
        let mut t = mock(vec![(12, vec![Signal::Term])]);
        let p = plan(Leftovers::Keep);
        let out = drain(&p, &mut t, ExitReason::Exited, Deadline { after: p.drain_timeout, in_flight: || false }, std::future::pending(), &mut ctl, &sink()).await;
        let left = leftovers(&p, &mut t, ExitReason::Exited, out.kill_now).await;
        assert!(!left.kept);
        assert!(t.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn kill_rule_runs_the_ladder_on_the_leftovers() {
        let mut t = mock(vec![(11, vec![Signal::Term]), (12, vec![])]);
        let left = leftovers(&plan(Leftovers::Kill), &mut t, ExitReason::Exited, None).await;
        assert_eq!(left, LeftoversOutcome { leftover_pids: vec![11, 12], killed_pids: vec![12], kept: false });
        assert_eq!(t.log, vec!["signal SIGTERM", "kill"]);
        assert!(t.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn keep_rule_lists_the_leftovers_and_signals_nothing() {
        let mut t = mock(vec![(11, vec![Signal::Term]), (12, vec![])]);
        let left = leftovers(&plan(Leftovers::Keep), &mut t, ExitReason::Exited, None).await;
        assert_eq!(left, LeftoversOutcome { leftover_pids: vec![11, 12], killed_pids: vec![], kept: true });
        assert!(t.log.is_empty(), "a kept tree is not signalled: {:?}", t.log);
        assert!(!t.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn keep_rule_with_nothing_left_keeps_nothing() {
        let mut t = mock(vec![]);
        let left = leftovers(&plan(Leftovers::Keep), &mut t, ExitReason::Exited, None).await;
        assert_eq!(left, LeftoversOutcome { leftover_pids: vec![], killed_pids: vec![], kept: false });
    }

    #[tokio::test(start_paused = true)]
    async fn keep_applies_only_to_a_root_that_ended_on_its_own() {
        // After a timeout's ladder left a member behind (stuck in the
        // kernel), it is killed again, not kept.
        let mut t = mock(vec![(12, vec![])]);
        let left = leftovers(&plan(Leftovers::Keep), &mut t, ExitReason::TimedOut, None).await;
        assert!(!left.kept);
        assert_eq!(left.killed_pids, vec![12]);
    }

    #[tokio::test(start_paused = true)]
    async fn kept_tree_ends_with_the_ladder_on_cancel() {
        let (tx, mut ctl) = mpsc::unbounded_channel();
        let mut t = mock(vec![(11, vec![Signal::Term]), (12, vec![])]);
        let sink = sink();
        let p = plan(Leftovers::Keep);
        let canceller = tokio::spawn(async move {
            // The kept tree lives on until the cancel: seconds later.
            sleep(Duration::from_secs(30)).await;
            tx.send(Control::cancel()).unwrap();
            tx
        });
        let start = Instant::now();
        let (reason, killed) = kept(&p, &mut t, &mut ctl, &sink).await;
        assert_eq!(reason, ReleaseReason::Cancelled);
        assert_eq!(killed, vec![12]);
        assert_eq!(t.log, vec!["signal SIGTERM", "kill"]);
        assert!(start.elapsed() >= Duration::from_secs(30) + p.grace, "released before the cancel and its grace");
        drop(canceller.await.unwrap());
    }

    #[tokio::test(start_paused = true)]
    async fn kept_tree_is_released_when_it_empties_on_its_own() {
        let (_tx, mut ctl) = mpsc::unbounded_channel();
        let mut t = mock(vec![(12, vec![])]);
        t.empty_at = Some(Instant::now() + Duration::from_secs(5));
        let start = Instant::now();
        let (reason, killed) = kept(&plan(Leftovers::Keep), &mut t, &mut ctl, &sink()).await;
        assert_eq!((reason, killed), (ReleaseReason::Emptied, vec![]));
        assert!(t.log.is_empty(), "nothing signalled a tree that ended on its own");
        let noticed = start.elapsed();
        assert!(noticed >= Duration::from_secs(5) && noticed <= Duration::from_secs(5) + KEPT_POLL_MAX, "{noticed:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn kept_tree_is_killed_when_the_server_is_gone() {
        let (tx, mut ctl) = mpsc::unbounded_channel::<Control>();
        drop(tx);
        let mut t = mock(vec![(12, vec![Signal::Term])]);
        let (reason, _) = kept(&plan(Leftovers::Keep), &mut t, &mut ctl, &sink()).await;
        assert_eq!(reason, ReleaseReason::Cancelled);
        assert!(t.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn root_exited_goes_out_during_a_ladder_not_after_it() {
        let (client_end, sidecar_end) = tokio::io::duplex(1 << 20);
        let (sink, _writer, _) = Sink::start(sidecar_end, None, None);
        let mut p = plan(Leftovers::Kill);
        p.report_root_exit = true;
        p.grace = Duration::from_secs(5);
        let (tx, mut ctl) = mpsc::unbounded_channel();
        tx.send(Control::cancel()).unwrap();
        // The root ends 100 ms into the ladder; its child ignores SIGTERM and holds the ladder for the grace.
        let mut t = mock(vec![(12, vec![])]);
        let start = Instant::now();
        t.root_exit_at = start + Duration::from_millis(100);
        let reader = tokio::spawn(async move {
            let mut frames = crate::framing::FrameReader::new(client_end, 1 << 20, 1 << 20);
            let f = frames.next().await.unwrap().expect("a frame");
            (serde_json::from_slice::<serde_json::Value>(&f.header).unwrap(), Instant::now())
        });
        let mut notice = RootNotice::new(&p, start, &sink);
        let ran = running(&p, &mut t, None, &mut ctl, &sink, &mut notice).await;
        assert_eq!(ran, Ran { reason: ExitReason::Cancelled, killed_pids: vec![12], drain: None });
        assert!(start.elapsed() >= p.grace, "the ladder waited out its grace");
        notice.flush(&mut t).await;
        let (event, at) = reader.await.unwrap();
        assert_eq!(event["event"], "root_exited");
        assert_eq!((event["code"].clone(), event["signal"].clone()), (serde_json::json!(0), serde_json::Value::Null));
        assert!(at - start < Duration::from_secs(1), "root_exited came {:?} after the start, with the ladder", at - start);
    }

    #[tokio::test(start_paused = true)]
    async fn running_ends_at_root_exit_or_timeout() {
        let (_tx, mut ctl) = mpsc::unbounded_channel();
        let mut t = mock(vec![]);
        t.root_exit_at = Instant::now() + Duration::from_secs(1);
        let sink = sink();
        let p = plan(Leftovers::Keep);
        let mut notice = RootNotice::new(&p, Instant::now(), &sink);
        let ran = running(&p, &mut t, None, &mut ctl, &sink, &mut notice).await;
        assert_eq!(ran, Ran { reason: ExitReason::Exited, killed_pids: vec![], drain: None });

        let mut t = mock(vec![(12, vec![])]);
        t.root_exit_at = Instant::now() + Duration::from_secs(60);
        let deadline = Some(Instant::now() + Duration::from_secs(1));
        // The mock's root only "exits" at 60 s, so the ladder's kill empties
        // the members but the root keeps the tree non-empty until then: the
        // ladder gives up waiting after its own bound, which is fine here.
        let ran = running(&p, &mut t, deadline, &mut ctl, &sink, &mut notice).await;
        assert_eq!(ran.reason, ExitReason::TimedOut);
        assert_eq!(t.log[0], "signal SIGTERM");
    }
}
