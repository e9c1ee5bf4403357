//! The dispatch loop: reads request frames, validates them, routes them to
//! child tasks, and shuts everything down on `shutdown`, stdin EOF or a
//! terminating signal. Bad input is answered with an `error` event and
//! changes nothing else.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, oneshot};

use crate::child::{self, Cancel, Control, Done, Plan};
use crate::config::{Config, MAX_FD};
use crate::finished::Finished;
use crate::framing::{FrameError, FrameReader};
use crate::output::Credit;
use crate::platform::{self, ExtraFd, FdDir, ForeignOutcome, ForeignRefusal, Platform, SpawnSpec, SpliceTarget, SyncEndpoint, Watchdog};
use crate::protocol::{
    self, ByteTotals, Defaults, DrainState, EnvSpec, ErrorCode, ErrorEvent, Event, ExitEvent, ExitReason, FdMode, FdSpec,
    Limits, PlatformInfo, Request, SpawnRequest, StdioMode,
};
use crate::signals::Signal;
use crate::sink::{OutputGone, Sink};
use crate::stdin::{self, StdinHandle};
use crate::sync_channel::{SyncChannel, SyncInput};

const MAX_ID_LEN: usize = 128;

/// Finished ids remembered (about 100 bytes each). Late requests race with
/// an `exit` by milliseconds; this many covers them with a wide margin.
const FINISHED_IDS: usize = 16_384;

/// How long a shutdown may wait for its children: far above any real ladder
/// (grace + drain + the ladder's own 10 s bound for unkillable processes).
const SHUTDOWN_CAP: Duration = Duration::from_secs(120);
/// The heap is trimmed when the last child ends only if this many lived at
/// once since the last trim. Trimming after every lone child made each
/// sequential spawn shrink the heap and grow it back (brk, then page faults
/// on fresh pages): about a tenth of the sidecar's CPU per round trip in
/// `perf`. Fewer children leave at most some hundreds of KiB of free heap.
const TRIM_AFTER_PEAK: usize = 32;

struct Live {
    /// The root's pid, to name the child when `terminate` is aimed at it.
    pid: u32,
    ctl: mpsc::UnboundedSender<Control>,
    credit: Arc<Credit>,
    stdin: Option<StdinHandle>,
    /// The input (and duplex) descriptors of `spawn.fds`, by number.
    inputs: Vec<(u32, StdinHandle)>,
    /// The `exit` was sent and the tree is kept (`leftovers: "keep"`):
    /// stdin is closed, cancel and signal still reach the tree.
    kept: bool,
}

enum Input {
    Frame(crate::framing::Frame),
    Bad(ErrorEvent),
    /// EOF (or a read error, or a truncated frame): the host is gone.
    End,
}

/// Where a request came from, and so where its answer goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Route {
    Stdout,
    /// The spawn channel (sync_channel.rs).
    Sync,
}

/// An event of the server loop on its way to stdout, and whom to tell once
/// it is queued there.
type Outbound = (Event, Option<oneshot::Sender<()>>);

/// Events of the server loop that may wait for stdout before the loop
/// itself waits: far more than a client that reads stdout ever leaves
/// queued, so only one that sends failing requests by the thousand and
/// reads nothing is slowed down, rather than growing the sidecar's memory.
const OUTBOX: usize = 1024;

pub struct Server {
    config: Arc<Config>,
    platform: Platform,
    sink: Sink,
    /// The server loop's own events (answers, errors) go out through this
    /// queue and its forwarding task, in order, so the loop does not wait on
    /// stdout (until OUTBOX of them wait): a client blocked on the spawn
    /// channel reads no stdout, and a loop waiting for it to do so would
    /// answer that spawn only at the client's deadline.
    outbox: Option<mpsc::Sender<Outbound>>,
    /// The spawn channel, when the client asked for one.
    sync: Option<SyncChannel>,
    live: HashMap<String, Live>,
    /// Most children alive at once since the heap was last trimmed.
    peak_live: usize,
    /// Ids of recently finished children (bounded; see finished.rs).
    finished: Finished,
    done_tx: mpsc::UnboundedSender<Done>,
    shutting_down: bool,
    /// `terminate` tasks still running: the sidecar does not exit under
    /// them, or a foreign tree could be left stopped half-way.
    foreign_in_flight: usize,
    foreign_done: mpsc::UnboundedSender<()>,
    /// Set on shutdown: running `terminate`s cut their grace short.
    hurry: Arc<AtomicBool>,
}

/// Serves one host until shutdown; returns the process exit code. `sync`:
/// the spawn channel's endpoint, when the client asked for one.
pub async fn serve<R, W>(
    input: R,
    output: W,
    splice: Option<SpliceTarget>,
    output_gone: Option<OutputGone>,
    config: Config,
    watchdog: Option<Watchdog>,
    sync: Option<SyncEndpoint>,
) -> i32
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let config = Arc::new(config);
    let (sink, writer, mut host_unreachable) = Sink::start(output, splice, output_gone);
    let mut platform = Platform::init(config.use_cgroup, watchdog);
    let mut watchdog_failed = platform.watchdog_failed();
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    let (foreign_done, mut foreign_done_rx) = mpsc::unbounded_channel();
    let (outbox, forwarder) = forward_to(sink.clone());
    let mut server = Server {
        config: config.clone(),
        platform,
        sink: sink.clone(),
        outbox: Some(outbox),
        sync: None,
        live: HashMap::new(),
        peak_live: 0,
        finished: Finished::new(FINISHED_IDS),
        done_tx,
        shutting_down: false,
        foreign_in_flight: 0,
        foreign_done,
        hurry: Arc::new(AtomicBool::new(false)),
    };
    let hello = server.hello();
    sink.event(hello.clone()).await;
    let mut sync_rx = match sync {
        Some(endpoint) => {
            let (channel, rx) = SyncChannel::start(endpoint, &hello, config.max_header, config.max_payload);
            server.sync = Some(channel);
            Some(rx)
        }
        None => None,
    };

    // Frames are read in their own task: reading a frame is not
    // cancel-safe, and the loop below must also hear children finish.
    let (in_tx, mut in_rx) = mpsc::channel(16);
    tokio::spawn(read_loop(FrameReader::new(input, config.max_header, config.max_payload), in_tx));
    let mut terminate = platform::terminate_signals();

    let mut goodbye_req = None;
    let mut input_done = false;
    let mut output_done = false;
    let mut give_up: Option<tokio::time::Instant> = None;
    let mut code = 0;
    loop {
        if server.shutting_down && server.live.is_empty() && server.foreign_in_flight == 0 {
            break;
        }
        if server.shutting_down && give_up.is_none() {
            give_up = Some(tokio::time::Instant::now() + SHUTDOWN_CAP);
        }
        tokio::select! {
            // A last resort, never the plan: if some child's task is stuck,
            // the sidecar still exits, and its watchdog kills what is left.
            _ = tokio::time::sleep_until(give_up.unwrap_or_else(tokio::time::Instant::now)), if give_up.is_some() => {
                tracing::error!(
                    "{} children and {} terminates still not finished {SHUTDOWN_CAP:?} into shutdown; exiting",
                    server.live.len(),
                    server.foreign_in_flight
                );
                code = 1;
                break;
            }
            // Input is still read while shutting down: a late request gets
            // its answer (`shutting_down` for a spawn) instead of silence.
            input = in_rx.recv(), if !input_done => match input {
                Some(Input::Frame(f)) => {
                    if let Some(req) = server.handle_frame(f).await {
                        goodbye_req = Some(req);
                    }
                }
                Some(Input::Bad(e)) => server.emit(Event::Error(e)).await,
                Some(Input::End) | None => {
                    tracing::info!("stdin closed: the host is gone; cancelling every child");
                    input_done = true;
                    server.begin_shutdown(true);
                }
            },
            done = done_rx.recv() => match done {
                Some(Done::Kept(id)) => {
                    if let Some(live) = server.live.get_mut(&id) {
                        live.kept = true;
                        live.stdin = None;
                        live.inputs.clear();
                    }
                }
                Some(Done::Finished(id)) => {
                    server.live.remove(&id);
                    server.finished.insert(id);
                    if server.live.is_empty() && server.peak_live >= TRIM_AFTER_PEAK {
                        // A thousand finished children leave their buffers
                        // as free heap that the allocator keeps; hand it
                        // back, with the table that held them.
                        server.live.shrink_to_fit();
                        platform::release_free_memory();
                        server.peak_live = 0;
                    }
                }
                None => {}
            },
            // Nobody can be told anything any more, and trees that fill
            // their output window would block for good: the host is gone.
            gone = &mut host_unreachable, if !output_done => {
                output_done = true;
                if gone.is_ok() {
                    tracing::info!("the host no longer reads the sidecar's output: it is gone; cancelling every child");
                    server.begin_shutdown(true);
                }
            }
            // Nothing would end the trees should the sidecar die now: end
            // them while it lives, and say why.
            failed = async { watchdog_failed.as_mut().expect("guarded").await }, if watchdog_failed.is_some() => {
                watchdog_failed = None;
                if let Ok(why) = failed {
                    tracing::error!("{why}; ending every tree and exiting");
                    sink.event(Event::Error(ErrorEvent::new(ErrorCode::ShuttingDown, format!("{why}: ending every tree")))).await;
                    server.begin_shutdown(false);
                }
            }
            Some(item) = recv_sync(&mut sync_rx) => match item {
                SyncInput::Frame(f) => server.handle_sync_frame(f).await,
                SyncInput::Bad(e) => server.answer(Route::Sync, Event::Error(e)).await,
            },
            Some(()) = foreign_done_rx.recv() => server.foreign_in_flight -= 1,
            // `None` (no signal source, as on Windows) must not read as a signal.
            Some(()) = terminate.recv() => {
                tracing::info!("terminating signal: cancelling every child");
                server.begin_shutdown(true);
            }
        }
    }
    // Everything the loop queued goes out before the goodbye.
    server.outbox = None;
    let _ = forwarder.await;
    sink.event(Event::Goodbye { req: goodbye_req }).await;
    drop(server);
    drop(sink);
    let _ = writer.await;
    code
}

/// The forwarding task of `Server::outbox`.
fn forward_to(sink: Sink) -> (mpsc::Sender<Outbound>, tokio::task::JoinHandle<()>) {
    let (tx, mut rx) = mpsc::channel::<Outbound>(OUTBOX);
    let task = tokio::spawn(async move {
        while let Some((event, queued)) = rx.recv().await {
            sink.event(event).await;
            if let Some(queued) = queued {
                let _ = queued.send(());
            }
        }
    });
    (tx, task)
}

/// The next frame of the spawn channel; never, without one.
async fn recv_sync(rx: &mut Option<mpsc::Receiver<SyncInput>>) -> Option<SyncInput> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn read_loop<R: AsyncRead + Unpin>(mut reader: FrameReader<R>, tx: mpsc::Sender<Input>) {
    loop {
        let msg = match reader.next().await {
            Ok(Some(f)) => Input::Frame(f),
            Ok(None) => Input::End,
            Err(FrameError::TooLarge { header_len, payload_len, head }) => Input::Bad(protocol::frame_too_large(header_len, payload_len, &head)),
            Err(FrameError::Truncated { expected, got }) => {
                let e = ErrorEvent::new(ErrorCode::BadFrame, format!("input ended inside a frame ({got} of {expected} bytes)"));
                let _ = tx.send(Input::Bad(e)).await;
                Input::End
            }
            Err(FrameError::Io(e)) => {
                tracing::warn!("reading stdin: {e}");
                Input::End
            }
        };
        let end = matches!(msg, Input::End);
        if tx.send(msg).await.is_err() || end {
            return;
        }
    }
}

impl Server {
    fn hello(&self) -> Event {
        let c = &self.config;
        let mut capabilities = self.platform.capabilities();
        if self.sink.splice_target().is_some() {
            capabilities.output = "splice";
        }
        Event::Hello {
            protocol: protocol::PROTOCOL_VERSION,
            version: env!("CARGO_PKG_VERSION"),
            pid: std::process::id(),
            platform: PlatformInfo { os: std::env::consts::OS, arch: std::env::consts::ARCH },
            capabilities,
            limits: Limits {
                max_header: c.max_header,
                max_payload: c.max_payload,
                max_children: c.max_children,
                output_window: c.output_window,
                stdin_queue: c.stdin_queue,
                max_fd: MAX_FD,
            },
            defaults: Defaults {
                grace_ms: c.grace_ms,
                signal: c.signal.name(),
                drain_timeout_ms: c.drain_timeout_ms,
                leftovers: "kill",
            },
        }
    }

    /// Cancels every live child; safe to call again (a shutdown request
    /// followed by stdin EOF lifts the output credit as well).
    fn begin_shutdown(&mut self, host_gone: bool) {
        self.shutting_down = true;
        self.hurry.store(true, Ordering::Relaxed);
        for live in self.live.values() {
            if host_gone {
                // Nobody will ack any more: let the trees drain freely.
                live.credit.set_unlimited();
            }
            let _ = live.ctl.send(Control::cancel());
        }
    }

    /// Queues one of the loop's events for stdout, after every one it
    /// queued before, without waiting for stdout (see `outbox`).
    async fn emit(&self, event: Event) {
        self.emit_then(event, None).await;
    }

    async fn emit_then(&self, event: Event, queued: Option<oneshot::Sender<()>>) {
        if let Some(outbox) = &self.outbox {
            let _ = outbox.send((event, queued)).await;
        }
    }

    /// The answer to a request, on the channel the request came on.
    async fn answer(&self, route: Route, event: Event) {
        match (route, &self.sync) {
            (Route::Sync, Some(sync)) => sync.answer(&event),
            _ => self.emit(event).await,
        }
    }

    /// One frame of the spawn channel: only `spawn` is served there.
    async fn handle_sync_frame(&mut self, frame: crate::framing::Frame) {
        match protocol::decode_request(&frame.header) {
            Ok(Request::Spawn(spec)) => self.spawn(spec, Route::Sync).await,
            Ok(_) => {
                let req = serde_json::from_slice::<serde_json::Value>(&frame.header).ok().and_then(|v| v["req"].as_u64());
                let e = ErrorEvent::new(ErrorCode::BadRequest, "only spawn requests are served on the spawn channel").req(req);
                self.answer(Route::Sync, Event::Error(e)).await;
            }
            Err(e) => self.answer(Route::Sync, Event::Error(e)).await,
        }
    }

    /// Handles one frame; returns `Some(req)` for a `shutdown` request.
    async fn handle_frame(&mut self, frame: crate::framing::Frame) -> Option<u64> {
        let request = match protocol::decode_request(&frame.header) {
            Ok(r) => r,
            Err(e) => {
                self.emit(Event::Error(e)).await;
                return None;
            }
        };
        let result = match request {
            Request::Spawn(spec) => {
                self.spawn(spec, Route::Stdout).await;
                Ok(())
            }
            Request::Write { req, id, fd } => self.stdin(req, &id, fd, |s| s.write(req, frame.payload)),
            Request::CloseStdin { req, id, fd } => self.stdin(req, &id, fd, |s| s.close(req)),
            Request::Signal { req, id, signal } => self.signal(req, &id, &signal),
            Request::Cancel { req, id, signal, grace_ms, grace_after_root_ms, drain_timeout_ms } => {
                let ms = |v: Option<u64>| v.map(Duration::from_millis);
                let overrides = (ms(grace_ms), ms(grace_after_root_ms), ms(drain_timeout_ms));
                self.cancel(req, &id, signal.as_deref(), overrides)
            }
            Request::Ack { id, bytes } => {
                // Acks race with `exit` by design: an unknown id is ignored.
                if let Some(live) = self.live.get(&id) {
                    live.credit.ack(bytes);
                }
                Ok(())
            }
            Request::Terminate { req, pid, signal, grace_ms } => self.terminate(req, &pid, signal.as_deref(), grace_ms),
            Request::Ping { req } => {
                self.sink.event(Event::Pong { req }).await;
                Ok(())
            }
            Request::Shutdown { req } => {
                self.begin_shutdown(false);
                return Some(req);
            }
        };
        if let Err(e) = result {
            self.emit(Event::Error(e)).await;
        }
        None
    }

    fn lookup(&self, req: u64, id: &str) -> Result<&Live, ErrorEvent> {
        match self.live.get(id) {
            Some(l) => Ok(l),
            None if self.finished.contains(id) => Err(child::gone(id).req(Some(req))),
            None => Err(ErrorEvent::new(ErrorCode::UnknownChild, format!("no child with id {id:?}")).req(Some(req)).id(id)),
        }
    }

    /// `fd`: `None` or 0 for stdin, else an input descriptor of the spawn.
    fn stdin(
        &self,
        req: u64,
        id: &str,
        fd: Option<u32>,
        op: impl FnOnce(&StdinHandle) -> Result<(), ErrorEvent>,
    ) -> Result<(), ErrorEvent> {
        let fail = |code, msg: String| Err(ErrorEvent::new(code, msg).req(Some(req)).id(id));
        if self.finished.contains(id) || self.live.get(id).is_some_and(|l| l.kept) {
            return fail(ErrorCode::StdinClosed, format!("child {id:?} has exited"));
        }
        let live = self.lookup(req, id)?;
        let handle = match fd {
            None | Some(0) => live.stdin.as_ref().ok_or("this child's stdin is not a pipe"),
            Some(n) => live.inputs.iter().find(|(k, _)| *k == n).map(|(_, h)| h).ok_or("not an input descriptor of this child"),
        };
        match handle {
            Ok(s) => op(s).map_err(|e| e.req(Some(req)).id(id)),
            Err(why) if fd.unwrap_or(0) == 0 => fail(ErrorCode::StdinClosed, why.to_owned()),
            Err(why) => fail(ErrorCode::BadRequest, format!("fd {}: {why}", fd.unwrap_or(0))),
        }
    }

    fn signal(&self, req: u64, id: &str, name: &str) -> Result<(), ErrorEvent> {
        let signal = parse_signal(name).map_err(|e| e.req(Some(req)).id(id))?;
        let live = self.lookup(req, id)?;
        live.ctl.send(Control::Signal { req, signal }).map_err(|_| child::gone(id).req(Some(req)))
    }

    /// `overrides`: the grace, the grace after the root's exit, the drain bound.
    fn cancel(&self, req: u64, id: &str, signal: Option<&str>, overrides: (Option<Duration>, Option<Duration>, Option<Duration>)) -> Result<(), ErrorEvent> {
        let signal = signal.map(parse_signal).transpose().map_err(|e| e.req(Some(req)).id(id))?;
        let live = self.lookup(req, id)?;
        let (grace, after_root, drain) = overrides;
        let cancel = Cancel { signal, grace, after_root, drain };
        live.ctl.send(Control::Cancel(cancel)).map_err(|_| child::gone(id).req(Some(req)))
    }

    /// `terminate`: validates and pins the foreign root here (cheap), then
    /// ends the tree on the blocking pool, so the loop keeps serving every
    /// other child meanwhile; the answer comes from that task.
    fn terminate(&mut self, req: u64, pid: &serde_json::Value, signal: Option<&str>, grace_ms: Option<u64>) -> Result<(), ErrorEvent> {
        let err = |code, msg: String| ErrorEvent::new(code, msg).req(Some(req));
        if self.shutting_down {
            return Err(err(ErrorCode::ShuttingDown, "the supervisor is shutting down".into()));
        }
        let pid = foreign_pid(pid).map_err(|m| err(ErrorCode::BadPid, m))?;
        let signal = match signal {
            Some(name) => parse_signal(name).map_err(|e| e.req(Some(req)))?,
            None => self.config.signal,
        };
        let grace = Duration::from_millis(grace_ms.unwrap_or(self.config.grace_ms));
        let target = self.platform.foreign(pid).map_err(|r| match r {
            ForeignRefusal::Protected(m) => err(ErrorCode::BadPid, m),
            ForeignRefusal::Unsupported(m) => err(ErrorCode::Unsupported, m),
            ForeignRefusal::Supervised { root } => match self.live.iter().find(|(_, l)| l.pid == root) {
                Some((id, _)) => err(
                    ErrorCode::SupervisedPid,
                    format!("pid {pid} belongs to the tree of child {id:?}: use cancel"),
                )
                .id(id.clone()),
                None => err(
                    ErrorCode::SupervisedPid,
                    format!("pid {pid} descends from the sidecar (a supervised tree, or an orphan re-parented to it)"),
                ),
            },
        })?;
        self.foreign_in_flight += 1;
        let (sink, done, hurry) = (self.sink.clone(), self.foreign_done.clone(), self.hurry.clone());
        tokio::spawn(async move {
            let started = tokio::time::Instant::now();
            let outcome = tokio::task::spawn_blocking(move || target.terminate(signal, grace, hurry)).await;
            let event = match outcome {
                Ok(ForeignOutcome { pids, killed_pids, graceful, quiet, capped }) => Event::Terminated {
                    req,
                    pid,
                    pids,
                    killed_pids,
                    graceful,
                    quiet,
                    capped,
                    duration_ms: started.elapsed().as_millis() as u64,
                },
                Err(e) => Event::Error(ErrorEvent::new(ErrorCode::Unsupported, format!("terminate failed: {e}")).req(Some(req))),
            };
            sink.event(event).await;
            let _ = done.send(());
        });
        Ok(())
    }

    /// A `spawn`, answered on `route`; the child's other events go to stdout.
    async fn spawn(&mut self, spec: SpawnRequest, route: Route) {
        let (req, id) = (spec.req, spec.id.clone());
        let plan = match self.validate(&spec) {
            Ok(plan) => plan,
            Err(e) => return self.answer(route, Event::Error(e.req(Some(req)).id(&id))).await,
        };
        let cwd = spec.cwd.as_ref().map(PathBuf::from);
        let extra = platform_fds(&spec.fds);
        let spawn_spec = SpawnSpec {
            argv: &spec.argv,
            cwd,
            env: platform_env(&spec.env),
            stdin: platform_stdio(spec.stdin),
            stdout: platform_stdio(spec.stdout),
            stderr: platform_stdio(spec.stderr),
            extra: &extra,
            detached: spec.detached.unwrap_or(true),
        };
        let spawned = match self.platform.spawn(&spawn_spec) {
            Ok(s) => s,
            Err(e) => {
                let mut err = ErrorEvent::new(ErrorCode::SpawnFailed, e.message).req(Some(req)).id(&id);
                err.errno = e.errno;
                self.answer(route, Event::Error(err)).await;
                self.emit(Event::Exit(spawn_failed_exit(&id))).await;
                self.finished.insert(id);
                return;
            }
        };
        let answer = Event::Spawned { req, id: id.clone(), pid: spawned.pid, pgid: spawned.pgid, containment: spawned.containment };
        // On stdout, `spawned` must precede every `output` of this child:
        // the child's task starts its relays once `spawned` is queued there.
        // (The spawn channel's client has the pid before it reads stdout.)
        let (queued, after) = oneshot::channel();
        match route {
            Route::Stdout => self.emit_then(answer, Some(queued)).await,
            Route::Sync => {
                self.answer(route, answer).await;
                let _ = queued.send(());
            }
        }
        let spawned_pid = spawned.pid;
        let mut spawned = spawned;
        let mut feeders = Vec::new();
        let mut feed = |fd: Option<u32>, w| {
            let (h, f) = stdin::start(id.clone(), fd, w, self.sink.clone(), self.config.stdin_queue);
            feeders.push(f);
            h
        };
        let stdin = spawned.stdin.take().map(|w| feed(None, w));
        let inputs: Vec<(u32, StdinHandle)> =
            spawned.extra.iter_mut().filter_map(|e| Some((e.fd, feed(Some(e.fd), e.writer.take()?)))).collect();
        let credit = Credit::new(self.config.output_window);
        let (ctl, ctl_rx) = mpsc::unbounded_channel();
        let task = child::supervise(plan, spawned, feeders, ctl_rx, credit.clone(), self.sink.clone(), self.done_tx.clone());
        tokio::spawn(async move {
            let _ = after.await;
            task.await
        });
        self.live.insert(id, Live { pid: spawned_pid, ctl, credit, stdin, inputs, kept: false });
        self.peak_live = self.peak_live.max(self.live.len());
    }

    /// Everything that can be checked before forking, so that bad input
    /// never starts a process.
    fn validate(&self, spec: &SpawnRequest) -> Result<Plan, ErrorEvent> {
        let bad = |code, msg: String| Err(ErrorEvent::new(code, msg));
        if self.shutting_down {
            return bad(ErrorCode::ShuttingDown, "the supervisor is shutting down".into());
        }
        if spec.id.is_empty() || spec.id.len() > MAX_ID_LEN {
            return bad(ErrorCode::BadRequest, format!("a child id must have 1 to {MAX_ID_LEN} bytes"));
        }
        if self.live.contains_key(&spec.id) || self.finished.contains(&spec.id) {
            return bad(ErrorCode::DuplicateId, format!("child id {:?} is already in use", spec.id));
        }
        if self.live.len() >= self.config.max_children {
            return bad(ErrorCode::TooManyChildren, format!("{} children are live, the limit", self.live.len()));
        }
        if spec.argv.is_empty() || spec.argv[0].is_empty() {
            return bad(ErrorCode::BadRequest, "argv must name a program".into());
        }
        if spec.argv.iter().any(|a| a.contains('\0')) {
            return bad(ErrorCode::BadRequest, "an argument contains a NUL byte".into());
        }
        if let Some(cwd) = &spec.cwd {
            // With the errno, so a client can fail the spawn as its own
            // runtime would (ENOENT, ENOTDIR, EACCES).
            let (message, errno) = match std::fs::metadata(cwd) {
                Ok(m) if m.is_dir() => (None, None),
                Ok(_) => (Some(format!("cwd {cwd:?} is not a directory")), Some("ENOTDIR".to_owned())),
                Err(e) => (Some(format!("cwd {cwd:?}: {e}")), platform::errno_name(&e)),
            };
            if let Some(message) = message {
                let mut e = ErrorEvent::new(ErrorCode::BadCwd, message);
                e.errno = errno;
                return Err(e);
            }
        }
        let keys: Vec<&String> = match &spec.env {
            EnvSpec::Inherit => Vec::new(),
            EnvSpec::Merge { vars } => vars.keys().collect(),
            EnvSpec::Replace { vars } => vars.keys().collect(),
        };
        let values: Vec<&String> = match &spec.env {
            EnvSpec::Inherit => Vec::new(),
            EnvSpec::Merge { vars } => vars.values().flatten().collect(),
            EnvSpec::Replace { vars } => vars.values().collect(),
        };
        if let Some(k) = keys.iter().find(|k| k.is_empty() || k.contains('=') || k.contains('\0')) {
            return bad(ErrorCode::InvalidEnv, format!("invalid environment variable name {k:?}"));
        }
        if values.iter().any(|v| v.contains('\0')) {
            return bad(ErrorCode::InvalidEnv, "an environment value contains a NUL byte".into());
        }
        check_fds(&spec.fds).map_err(|m| ErrorEvent::new(ErrorCode::BadRequest, m))?;
        let ladder = spec.ladder.clone().unwrap_or_default();
        let signal = match &ladder.signal {
            Some(name) => parse_signal(name)?,
            None => self.config.signal,
        };
        Ok(Plan {
            id: spec.id.clone(),
            signal,
            grace: Duration::from_millis(ladder.grace_ms.unwrap_or(self.config.grace_ms)),
            drain_timeout: Duration::from_millis(spec.drain_timeout_ms.unwrap_or(self.config.drain_timeout_ms)),
            timeout: spec.timeout_ms.map(Duration::from_millis),
            leftovers: spec.leftovers,
            report_root_exit: spec.report_root_exit,
        })
    }
}

fn parse_signal(name: &str) -> Result<Signal, ErrorEvent> {
    match Signal::parse(name) {
        Some(s) if platform::supported_signals().any(|x| x == s) => Ok(s),
        Some(s) => Err(ErrorEvent::new(ErrorCode::UnsupportedSignal, format!("{} cannot be sent on this platform", s.name()))),
        None => Err(ErrorEvent::new(ErrorCode::UnsupportedSignal, format!("unknown signal {name:?}"))),
    }
}

/// A `terminate` pid must be an integer naming one process: 0 and negative
/// numbers name groups or every process, 1 is init, and pids stop at
/// i32::MAX. (Which processes are protected is the platform's check.)
fn foreign_pid(v: &serde_json::Value) -> Result<u32, String> {
    let Some(n) = v.as_i64() else { return Err(format!("pid must be an integer, got {v}")) };
    if n <= 1 {
        return Err(format!("pid {n} names no single process that may be ended (0, 1 and negative ids are refused)"));
    }
    u32::try_from(n).ok().filter(|p| *p <= i32::MAX as u32).ok_or_else(|| format!("pid {n} is out of range"))
}

fn spawn_failed_exit(id: &str) -> ExitEvent {
    ExitEvent {
        id: id.to_owned(),
        reason: ExitReason::SpawnFailed,
        code: None,
        signal: None,
        bytes: ByteTotals::default(),
        drain: DrainState::None,
        killed_pids: Vec::new(),
        leftover_pids: Vec::new(),
        kept: false,
        duration_ms: 0,
    }
}

/// Extra descriptors name 3 to MAX_FD, each once: 0-2 are the stdio
/// options' to set.
fn check_fds(fds: &[FdSpec]) -> Result<(), String> {
    for (i, f) in fds.iter().enumerate() {
        if !(3..=MAX_FD).contains(&f.fd) {
            return Err(format!("fds: descriptor {} is outside 3..={MAX_FD} (0-2 are stdin, stdout and stderr)", f.fd));
        }
        if fds[..i].iter().any(|g| g.fd == f.fd) {
            return Err(format!("fds: descriptor {} is named twice", f.fd));
        }
    }
    Ok(())
}

/// The one translation of the wire's extra descriptors into the platform's,
/// in ascending order.
fn platform_fds(fds: &[FdSpec]) -> Vec<ExtraFd> {
    let mut extra: Vec<ExtraFd> = fds
        .iter()
        .map(|f| ExtraFd {
            fd: f.fd,
            dir: match f.mode {
                FdMode::Input => FdDir::Input,
                FdMode::Output => FdDir::Output,
                FdMode::Duplex => FdDir::Duplex,
            },
        })
        .collect();
    extra.sort_by_key(|e| e.fd);
    extra
}

/// The one translation of the wire's stream mode into the platform's.
fn platform_stdio(mode: StdioMode) -> platform::Stdio {
    match mode {
        StdioMode::Pipe => platform::Stdio::Pipe,
        StdioMode::Ignore => platform::Stdio::Null,
    }
}

/// The one translation of the wire's environment into the platform's.
fn platform_env(env: &EnvSpec) -> platform::Env<'_> {
    match env {
        EnvSpec::Inherit => platform::Env::Inherit,
        EnvSpec::Merge { vars } => platform::Env::Merge(vars),
        EnvSpec::Replace { vars } => platform::Env::Replace(vars),
    }
}
