//! The Unix backend (Linux and macOS): sessions and process groups for every
//! tree, plus on Linux a cgroup v2 per tree, a child subreaper and a
//! parent-death signal (see docs/reference/design.md for what holds where).

// The Linux-only mechanisms live in linux/. Where the rest of the backend
// names one, a stand-in for macOS and other Unixes (`*_other.rs`) is chosen
// on its mod line under the same name, so the code using them has no cfg.
#[cfg_attr(target_os = "linux", path = "linux/cgroup.rs")]
#[cfg_attr(not(target_os = "linux"), path = "cgroup_other.rs")]
mod cgroup;
#[cfg_attr(target_os = "linux", path = "linux/clone3.rs")]
#[cfg_attr(not(target_os = "linux"), path = "clone3_other.rs")]
mod clone3;
#[cfg_attr(target_os = "linux", path = "linux/foreign.rs")]
#[cfg_attr(not(target_os = "linux"), path = "foreign_other.rs")]
mod foreign;
#[cfg_attr(target_os = "linux", path = "linux/os.rs")]
#[cfg_attr(not(target_os = "linux"), path = "os_other.rs")]
mod os;
#[cfg_attr(target_os = "linux", path = "linux/output_gone.rs")]
#[cfg_attr(not(target_os = "linux"), path = "output_gone_other.rs")]
mod output_gone;
#[cfg_attr(target_os = "linux", path = "linux/pipe_size.rs")]
#[cfg_attr(not(target_os = "linux"), path = "pipe_size_other.rs")]
mod pipe_size;
#[cfg(target_os = "linux")]
#[path = "linux/splice.rs"]
mod splice;
#[cfg(target_os = "linux")]
#[path = "linux/watchdog.rs"]
mod watchdog;

mod exit_watch;
mod extra_fds;
mod host_group;
mod kill;
mod os_common;
mod output_pipe;
mod procfs;
mod reaper;
mod spawn;
mod sync_fifo;
mod tree;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tokio::net::unix::pipe;

pub use foreign::ForeignTarget;
pub use host_group::leave_host_group;
pub use sync_fifo::{sync_endpoint, SyncEndpoint};
/// A child's stdout or stderr as the relay reads it.
pub use output_pipe::OutputPipe as ChildOutput;
#[cfg(target_os = "linux")]
pub use splice::SpliceTarget;
pub use tree::ProcessTree;

use crate::platform::{ChildWriter, ExtraIo, FdDir, ForeignRefusal, SpawnError, SpawnSpec, Spawned};
use crate::protocol::Capabilities;
use crate::signals::Signal;

pub struct Platform {
    cgroup: Option<cgroup::CgroupRoot>,
    /// Holds the write end of the watchdog's pipe (closing it, by dying,
    /// wakes the watchdog) and replaces a watchdog that dies. Its pid:
    /// `terminate` never signals it.
    watchdog: Option<Keeper>,
    subreaper: bool,
    pidfd: bool,
    /// Spawn with clone3 (clone3.rs), straight into the tree's cgroup; false
    /// when the kernel refuses it, and from the first refusal on.
    clone3: AtomicBool,
    roots: reaper::RootSet,
    seq: AtomicU64,
    /// Some tree with a cgroup hierarchy at hand got none (`tree_cgroup`).
    marked: AtomicBool,
}

impl Platform {
    /// Sets the process up as a supervisor. Must run inside the runtime (it
    /// starts the reaper task). `watchdog` was forked before the runtime
    /// (`start_watchdog`); it is told the cgroup subtree here.
    pub fn init(use_cgroup: bool, watchdog: Option<Watchdog>) -> Platform {
        os_common::raise_fd_limit();
        let subreaper = os::set_subreaper();
        let roots = reaper::RootSet::default();
        if subreaper {
            reaper::start(roots.clone());
        }
        let cgroup = if use_cgroup { cgroup::CgroupRoot::detect() } else { None };
        let pidfd = matches!(kill::pidfd::open(std::process::id() as i32), kill::pidfd::Pinned::Fd(_));
        let watchdog = watchdog.map(|dog| Keeper::start(dog, cgroup.as_ref().map(|c| c.path().to_owned())));
        let clone3 = AtomicBool::new(clone3::available());
        Platform { cgroup, watchdog, subreaper, pidfd, clone3, roots, seq: AtomicU64::new(0), marked: AtomicBool::new(false) }
    }

    pub fn capabilities(&self) -> Capabilities {
        Capabilities {
            backend: "unix",
            process_group: true,
            subreaper: self.subreaper,
            cgroup: self.cgroup.as_ref().map(|c| c.path().display().to_string()),
            pidfd: self.pidfd,
            spawn: if self.clone3.load(Ordering::Relaxed) { "clone3" } else { "fork" },
            // The server says "splice" when its stdout takes splices.
            output: "copy",
            job_objects: false,
            signals: supported_signals().map(Signal::name).collect(),
            job: None,
        }
    }

    /// Validates and pins the root of a tree this sidecar did not start, for
    /// `terminate` (foreign.rs; Linux only, `unsupported` elsewhere).
    pub fn foreign(&self, pid: u32) -> Result<ForeignTarget, ForeignRefusal> {
        foreign::target(pid, self.watchdog.as_ref().map(Keeper::pid))
    }

    /// Hears once if the watchdog died and no other could be started: the
    /// sidecar must then end every tree itself and exit.
    pub fn watchdog_failed(&mut self) -> Option<tokio::sync::oneshot::Receiver<String>> {
        self.watchdog.as_mut().and_then(Keeper::failed)
    }

    pub fn spawn(&self, spec: &SpawnSpec<'_>) -> Result<Spawned, SpawnError> {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        let cg = self.cgroup.as_ref().and_then(|root| self.tree_cgroup(root, seq));
        let marker = cg.is_none().then(|| format!("{}.{seq}", std::process::id()));
        let join = if spec.detached { 0 } else { host_group::host_group().map_or(0, |g| g as i32) };
        let (_, started) = self.roots.spawn_locked(|| {
            let started = self.start(spec, cg.as_ref(), marker.as_deref(), join)?;
            Ok((started.pid, started))
        })?;
        // Read, not assumed: the child falls back to a session of its own
        // when the host's group is gone. It has exec'd by now (both paths
        // wait for that), so its group is final; unreadable reads as shared,
        // the side on which no group is ever signalled.
        let pgid = nix::unistd::getpgid(Some(nix::unistd::Pid::from_raw(started.pid as i32))).map_or(0, |g| g.as_raw() as u32);
        // From here on the tree owns the process: if wrapping a pipe fails,
        // dropping the tree kills and reaps it rather than leaking it.
        let tree = ProcessTree::new(started.pid, pgid, cg, marker.as_deref(), self.roots.clone());
        let wrap_err = |e: std::io::Error| SpawnError { errno: None, message: format!("cannot watch the child's pipes: {e}") };
        let stdin = match started.stdin {
            Some(fd) => Some(Box::pin(pipe::Sender::from_owned_fd(fd).map_err(wrap_err)?) as _),
            None => None,
        };
        let stdout = match started.stdout {
            Some(fd) => Some(output_pipe::OutputPipe::new(pipe::Receiver::from_owned_fd(fd).map_err(wrap_err)?)),
            None => None,
        };
        let stderr = match started.stderr {
            Some(fd) => Some(output_pipe::OutputPipe::new(pipe::Receiver::from_owned_fd(fd).map_err(wrap_err)?)),
            None => None,
        };
        let extra = started.extra.into_iter().map(|(fd, dir, ours)| extra_io(fd, dir, ours)).collect::<Result<_, _>>().map_err(wrap_err)?;
        let containment = if marker.is_some() { os::MARKED_CONTAINMENT } else { "cgroup" };
        Ok(Spawned { pid: started.pid, pgid: Some(tree.pgid()), containment, stdin, stdout, stderr, extra, tree })
    }

    /// The tree's own cgroup, or None when it cannot be created (a
    /// `cgroup.max.descendants` or `cgroup.max.depth` limit, a hierarchy
    /// made read-only meanwhile). Then the tree is contained as without
    /// cgroups, by its group, the subreaper and the environment marker,
    /// which `spawned` reports: a spawn Node's own spawn runs is not refused
    /// for a limit the user cannot see (docs/reference/design.md).
    fn tree_cgroup(&self, root: &cgroup::CgroupRoot, seq: u64) -> Option<cgroup::CgroupChild> {
        match root.create_child(&format!("c{seq}")) {
            Ok(cg) => Some(cg),
            Err(e) => {
                if !self.marked.swap(true, Ordering::Relaxed) {
                    tracing::warn!("cannot create a tree's cgroup ({e}): trees without one are contained by group and marker");
                }
                tracing::info!("tree c{seq} has no cgroup of its own ({e}); contained by group and marker");
                if let Some(dog) = &self.watchdog {
                    dog.expect_marked();
                }
                None
            }
        }
    }
}

/// The sidecar's end of one extra descriptor, for the relay and the feeder.
fn extra_io(fd: u32, dir: FdDir, ours: extra_fds::Ours) -> std::io::Result<ExtraIo> {
    Ok(match ours {
        extra_fds::Ours::Pipe(p) if dir == FdDir::Output => {
            ExtraIo { fd, reader: Some(output_pipe::OutputPipe::new(pipe::Receiver::from_owned_fd(p)?)), writer: None }
        }
        extra_fds::Ours::Pipe(p) => ExtraIo { fd, reader: None, writer: Some(Box::pin(pipe::Sender::from_owned_fd(p)?) as ChildWriter) },
        extra_fds::Ours::Socket(s) => {
            let std_stream = std::os::unix::net::UnixStream::from(s);
            std_stream.set_nonblocking(true)?;
            // Dropping the write half shuts the socket down for writing: the
            // child reads EOF while it can still answer on the same descriptor.
            let (read, write) = tokio::net::UnixStream::from_std(std_stream)?.into_split();
            ExtraIo { fd, reader: Some(output_pipe::OutputPipe::socket(read)), writer: Some(Box::pin(write) as ChildWriter) }
        }
    })
}

impl Platform {
    fn start(&self, spec: &SpawnSpec<'_>, cg: Option<&cgroup::CgroupChild>, marker: Option<&str>, join: i32) -> Result<spawn::Started, SpawnError> {
        if self.clone3.load(Ordering::Relaxed) {
            match clone3::start(spec, cg, marker, join) {
                Ok(started) => return Ok(started),
                Err(clone3::Failure::Spawn(e)) => return Err(e),
                Err(clone3::Failure::Unsupported(errno)) => {
                    tracing::warn!("clone3 refused ({errno}): spawning with fork and exec from now on");
                    self.clone3.store(false, Ordering::Relaxed);
                }
            }
        }
        spawn::start(spec, cg, marker, join)
    }
}

pub use os::{start_watchdog, Watchdog};
use os::Keeper;

/// The symbolic errno of an OS error (`ENOENT`), as the protocol names it.
pub fn errno_name(e: &std::io::Error) -> Option<String> {
    e.raw_os_error().map(|n| format!("{:?}", nix::errno::Errno::from_raw(n)))
}

/// `--watchdog unix:<sidecar pid>` is a replacement for a watchdog that died
/// (watchdog.rs, Linux); the first one is forked, never started by flag.
pub fn watchdog_main(args: Vec<String>) -> i32 {
    os::watchdog_main(&args)
}

/// The protocol's own stdin/stdout, driven by the reactor when they are
/// pipes or sockets (Node gives a child socketpairs for "pipe" stdio);
/// tokio's portable stdio would hop through a blocking thread for every read
/// and write, which measurably capped throughput (docs/results/bench-linux.md).
/// Output can be spliced into such a stdout (splice.rs).
pub fn stdio() -> crate::platform::HostIo {
    use crate::platform::{ChildReader, ChildWriter, HostIo, SpliceTarget};
    use std::os::fd::AsFd;
    let input = std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .ok()
        .and_then(|fd| match fd_kind(&fd) {
            FdKind::Pipe => pipe::Receiver::from_owned_fd(fd).ok().map(|r| Box::pin(r) as ChildReader),
            FdKind::Socket => unix_stream(fd).map(|s| Box::pin(s) as ChildReader),
            FdKind::Other => None,
        })
        .unwrap_or_else(|| Box::pin(tokio::io::stdin()));
    let stdout = std::io::stdout();
    let output = stdout.as_fd().try_clone_to_owned().ok().and_then(|fd| match fd_kind(&fd) {
        FdKind::Pipe => pipe::Sender::from_owned_fd(fd).ok().map(|w| Box::pin(w) as ChildWriter),
        FdKind::Socket => unix_stream(fd).map(|s| Box::pin(s) as ChildWriter),
        FdKind::Other => None,
    });
    match output {
        Some(output) => {
            HostIo { input, output, splice: SpliceTarget::new(stdout.as_fd()), gone: output_gone::watch(stdout.as_fd()) }
        }
        None => HostIo { input, output: Box::pin(tokio::io::stdout()), splice: None, gone: None },
    }
}

enum FdKind {
    Pipe,
    Socket,
    Other,
}

fn fd_kind(fd: &std::os::fd::OwnedFd) -> FdKind {
    match nix::sys::stat::fstat(fd) {
        Ok(st) => match st.st_mode & libc::S_IFMT {
            libc::S_IFIFO => FdKind::Pipe,
            libc::S_IFSOCK => FdKind::Socket,
            _ => FdKind::Other,
        },
        Err(_) => FdKind::Other,
    }
}

/// A stream socket as a tokio stream (non-blocking is required by tokio;
/// the descriptor is ours alone, the host holds the other end).
fn unix_stream(fd: std::os::fd::OwnedFd) -> Option<tokio::net::UnixStream> {
    let std_stream = std::os::unix::net::UnixStream::from(fd);
    std_stream.set_nonblocking(true).ok()?;
    tokio::net::UnixStream::from_std(std_stream).ok()
}

/// Returns free heap to the kernel (glibc keeps freed memory for reuse,
/// so after many children RSS stayed at their peak: measured 19-138 MiB,
/// back to ~8 MiB with a trim). Other libcs: nothing to do.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// SIGTERM, SIGINT and SIGHUP to the sidecar mean the same as stdin EOF:
/// cancel every tree, then exit.
pub fn terminate_signals() -> tokio::sync::mpsc::UnboundedReceiver<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    for kind in [SignalKind::terminate(), SignalKind::interrupt(), SignalKind::hangup()] {
        if let Ok(mut s) = signal(kind) {
            let tx = tx.clone();
            tokio::spawn(async move {
                while s.recv().await.is_some() {
                    let _ = tx.send(());
                }
            });
        }
    }
    rx
}

pub fn supported_signals() -> impl Iterator<Item = Signal> {
    Signal::ALL.into_iter().filter(|s| tree::to_nix(*s).is_some())
}
