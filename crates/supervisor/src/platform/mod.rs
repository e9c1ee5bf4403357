//! The platform seam. Portable code (server, child lifecycle, ladder) calls
//! only what this module re-exports; everything that names a syscall lives in
//! one platform folder, chosen here and nowhere else.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::pin::Pin;

use tokio::io::{AsyncRead, AsyncWrite};

#[cfg(unix)]
mod unix;
#[cfg(unix)]
use unix as imp;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
use windows as imp;

#[cfg(not(target_os = "linux"))]
mod splice_none;

#[cfg(target_os = "linux")]
pub use imp::SpliceTarget;
pub use imp::{ChildOutput, ForeignTarget, Platform, ProcessTree};
#[cfg(not(target_os = "linux"))]
pub use splice_none::SpliceTarget;

pub type ChildReader = Pin<Box<dyn AsyncRead + Send>>;
pub type ChildWriter = Pin<Box<dyn AsyncWrite + Send>>;

/// The sidecar's own stdin and stdout, and a way to splice into that stdout
/// where the platform and the descriptor allow it.
pub struct HostIo {
    pub input: ChildReader,
    pub output: ChildWriter,
    pub splice: Option<SpliceTarget>,
    /// Resolves once the host can no longer read `output`, where the
    /// platform can tell without writing to it (a failed write says so
    /// everywhere).
    pub gone: Option<Pin<Box<dyn std::future::Future<Output = ()> + Send>>>,
}

/// Why a splice stopped short: `moved` bytes went out before `error`.
pub struct SpliceStop {
    pub moved: usize,
    pub error: std::io::Error,
    /// The output refused splicing itself (it is not broken): the rest of
    /// the frame can still be written the ordinary way.
    pub refused: bool,
}

/// What to start. Validated by the caller (cwd exists, env well-formed).
/// The platform's own vocabulary: the server translates the wire types into
/// it once, so a protocol change stops at the server.
pub struct SpawnSpec<'a> {
    pub argv: &'a [String],
    pub cwd: Option<PathBuf>,
    pub env: Env<'a>,
    pub stdin: Stdio,
    pub stdout: Stdio,
    pub stderr: Stdio,
    /// Unix: a session and group of its own (true), or the host's group, so
    /// that a terminal's Ctrl-C reaches it as a member of the host's job
    /// (false). Windows: no meaning (every child has a console of its own).
    pub detached: bool,
    /// Descriptors beyond stdio, in ascending order, each at most once.
    pub extra: &'a [ExtraFd],
}

/// One descriptor beyond stdio, as the child sees it: number `fd` (3 and
/// up), the child's end of a channel whose other end the sidecar holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtraFd {
    pub fd: u32,
    pub dir: FdDir,
}

/// Which way an extra descriptor carries bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FdDir {
    /// The child reads what the sidecar writes.
    Input,
    /// The child writes what the sidecar reads.
    Output,
    /// Both, over the one descriptor.
    Duplex,
}

impl FdDir {
    pub fn child_reads(self) -> bool {
        matches!(self, FdDir::Input | FdDir::Duplex)
    }
    pub fn child_writes(self) -> bool {
        matches!(self, FdDir::Output | FdDir::Duplex)
    }
}

/// The sidecar's ends of one extra descriptor: what it reads (the child's
/// writes) and what it writes (the child's reads).
pub struct ExtraIo {
    pub fd: u32,
    pub reader: Option<ChildOutput>,
    pub writer: Option<ChildWriter>,
}

/// One of a child's standard streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stdio {
    /// A pipe whose other end the sidecar holds.
    Pipe,
    /// The null device.
    Null,
}

/// The child's environment.
#[derive(Debug, Clone, Copy)]
pub enum Env<'a> {
    /// The sidecar's own, unchanged.
    Inherit,
    /// The sidecar's, with these set (`Some`) or removed (`None`).
    Merge(&'a BTreeMap<String, Option<String>>),
    /// Exactly these variables and no others.
    Replace(&'a BTreeMap<String, String>),
}

pub struct Spawned {
    pub pid: u32,
    pub pgid: Option<u32>,
    /// How the tree is contained (`spawned.containment`, docs/reference/protocol.md).
    pub containment: &'static str,
    pub stdin: Option<ChildWriter>,
    pub stdout: Option<ChildOutput>,
    pub stderr: Option<ChildOutput>,
    /// One entry per `SpawnSpec::extra`, in the same order.
    pub extra: Vec<ExtraIo>,
    pub tree: ProcessTree,
}

/// How the root process ended, exactly: a code or a signal, never folded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExitStatus {
    Code(i32),
    Signal(String),
}

/// Why nothing was started; `errno` is the symbolic OS error (`ENOENT`).
#[derive(Debug)]
pub struct SpawnError {
    pub errno: Option<String>,
    pub message: String,
}

pub use imp::{
    errno_name, leave_host_group, release_free_memory, start_watchdog, stdio, supported_signals, sync_endpoint, terminate_signals,
    watchdog_main, SyncEndpoint, Watchdog,
};

/// What a `terminate` of a foreign tree did (docs/reference/protocol.md, `terminated`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ForeignOutcome {
    /// Every member found, root first.
    pub pids: Vec<u32>,
    /// Members still alive when the forceful step ran.
    pub killed_pids: Vec<u32>,
    /// The graceful signal reached at least one member.
    pub graceful: bool,
    /// Every member found is known to have exited (false: the bounded wait
    /// after the forceful step ran out, e.g. a process stuck in the kernel).
    pub quiet: bool,
    /// A bound on walks or members was hit: the set may not be closed.
    pub capped: bool,
}

/// Why a `terminate` was refused before anything was signalled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForeignRefusal {
    /// The sidecar itself, its group, an ancestor (the host), its watchdog.
    Protected(String),
    /// A member of a tree this sidecar supervises: `root` is the pid of the
    /// supervised root it descends from (the server maps it to a child id).
    Supervised { root: u32 },
    /// This platform (or kernel) cannot do it safely; the client falls back.
    Unsupported(String),
}
