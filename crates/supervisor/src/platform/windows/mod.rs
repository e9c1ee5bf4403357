//! The Windows backend: one Job Object per child tree (created with
//! kill-on-close, the child placed in it before it runs), console control
//! events through a helper for the graceful step, `TerminateJobObject` for
//! the forceful one, and overlapped named pipes for output. See the Windows
//! section of docs/reference/design.md for what holds and what was verified where.

mod attrs;
mod cmdline;
mod console;
mod crt_fds;
mod env;
mod errors;
mod exit_watch;
mod foreign;
mod job;
mod pipes;
mod probe;
mod resolve;
mod spawn;
mod sync_pipe;
mod tree;

use std::os::windows::io::IntoRawHandle;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::windows::named_pipe::NamedPipeServer;

pub use foreign::ForeignTarget;
pub use errors::errno_name;
pub use sync_pipe::{sync_endpoint, SyncEndpoint};
pub use tree::ProcessTree;

use crate::platform::{ChildReader, ChildWriter, ExtraIo, FdDir, ForeignRefusal, HostIo, SpawnError, SpawnSpec, Spawned};

/// A child's stdout or stderr as the relay reads it: an overlapped named pipe.
pub type ChildOutput = ChildReader;
use crate::protocol::{Capabilities, JobCapabilities};
use crate::signals::Signal;

pub struct Platform {
    mode: probe::JobMode,
    /// This binary: the console helper for the graceful step.
    helper: Arc<PathBuf>,
}

impl Platform {
    /// Sets the process up as a supervisor; `use_cgroup` means nothing here,
    /// and there is never a watchdog.
    pub fn init(_use_cgroup: bool, _watchdog: Option<Watchdog>) -> Platform {
        console::setup_sidecar();
        let helper = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("pawwork-supervisor.exe"));
        let mode = probe::detect();
        tracing::info!("job mode: {} (nested {}, breakaway {})", mode.name(), mode.nested(), mode.breakaway);
        Platform { mode, helper: Arc::new(helper) }
    }

    pub fn capabilities(&self) -> Capabilities {
        Capabilities {
            backend: "windows",
            process_group: false,
            subreaper: false,
            cgroup: None,
            pidfd: false,
            spawn: "CreateProcessW",
            output: "copy",
            job_objects: self.mode.assign.is_some(),
            signals: supported_signals().map(Signal::name).collect(),
            job: Some(JobCapabilities {
                assign: self.mode.name(),
                nested: self.mode.nested(),
                breakaway: self.mode.breakaway,
                kill_on_close: self.mode.assign.is_some(),
                graceful: "console_helper",
            }),
        }
    }

    /// Validates and opens the root of a tree this sidecar did not start,
    /// for `terminate` (foreign.rs).
    pub fn foreign(&self, pid: u32) -> Result<ForeignTarget, ForeignRefusal> {
        foreign::target(pid)
    }

    /// No watchdog here (kill-on-close job handles end the trees), so none
    /// can fail.
    pub fn watchdog_failed(&mut self) -> Option<tokio::sync::oneshot::Receiver<String>> {
        None
    }

    pub fn spawn(&self, spec: &SpawnSpec<'_>) -> Result<Spawned, SpawnError> {
        let Some(assign) = self.mode.assign else {
            return Err(SpawnError {
                errno: Some("EPERM".into()),
                message: "children cannot be put into a job object here (nesting and breakaway refused): \
                          refusing to start an uncontained tree"
                    .into(),
            });
        };
        let job = job::Job::new().map_err(|e| errors::spawn_error("cannot create the child's job object", e))?;
        let opts = spawn::Options { assign, breakaway: self.mode.breakaway, keep_suspended: false };
        let started = spawn::start(spec, &job, opts)?;
        // From here on the tree owns the process: if wrapping a pipe fails,
        // dropping the tree terminates its job rather than leaking it.
        let tree = ProcessTree::new(started.pid, started.process, job, self.helper.clone());
        let wrap_err = |e: std::io::Error| SpawnError { errno: None, message: format!("cannot watch the child's pipes: {e}") };
        let wrap = |h: Option<std::os::windows::io::OwnedHandle>| -> std::io::Result<Option<NamedPipeServer>> {
            // SAFETY: an overlapped named pipe server handle we own, handed over.
            h.map(|h| unsafe { NamedPipeServer::from_raw_handle(h.into_raw_handle()) }).transpose()
        };
        let stdin = wrap(started.stdin).map_err(wrap_err)?.map(|p| Box::pin(p) as ChildWriter);
        let stdout = wrap(started.stdout).map_err(wrap_err)?.map(|p| Box::pin(p) as ChildReader);
        let stderr = wrap(started.stderr).map_err(wrap_err)?.map(|p| Box::pin(p) as ChildReader);
        let mut extra = Vec::with_capacity(started.extra.len());
        for (fd, dir, h) in started.extra {
            let pipe = wrap(Some(h)).map_err(wrap_err)?.expect("a handle was given");
            extra.push(match dir {
                FdDir::Input => ExtraIo { fd, reader: None, writer: Some(Box::pin(pipe) as ChildWriter) },
                FdDir::Output => ExtraIo { fd, reader: Some(Box::pin(pipe) as ChildReader), writer: None },
                FdDir::Duplex => {
                    let (read, write) = tokio::io::split(pipe);
                    ExtraIo { fd, reader: Some(Box::pin(read) as ChildReader), writer: Some(Box::pin(write) as ChildWriter) }
                }
            });
        }
        Ok(Spawned { pid: started.pid, pgid: tree.pgid(), containment: "job", stdin, stdout, stderr, extra, tree })
    }
}

/// No watchdog process on Windows: closing the job handles on the sidecar's
/// death kills every tree. The type has no value.
#[derive(Debug)]
pub enum Watchdog {}

pub fn start_watchdog() -> Option<Watchdog> {
    None
}

/// Entry point of `--watchdog ARG`. Windows needs no watchdog (closing the
/// job handles on death kills every tree); the same hook starts the console
/// helper of the graceful step (`ctrl:EVENT:PIDS`, see console.rs).
pub fn watchdog_main(arg: PathBuf) -> i32 {
    match arg.to_str() {
        Some(a) if a.starts_with(console::HELPER_PREFIX) => console::helper_main(a),
        _ => 2,
    }
}

/// The protocol's own stdin/stdout. A Node parent hands us synchronous pipe
/// handles, which the reactor cannot drive; tokio's stdio reads and writes
/// them on its blocking pool.
/// No splice on Windows.
pub fn stdio() -> HostIo {
    // A host that stops reading is noticed when a write fails.
    HostIo { input: Box::pin(tokio::io::stdin()), output: Box::pin(tokio::io::stdout()), splice: None, gone: None }
}

/// SIGINT is Ctrl-C, SIGTERM and SIGBREAK are Ctrl-Break (console.rs),
/// SIGKILL is TerminateJobObject. Nothing else has a Windows equivalent.
/// No terminating signals on Windows: the sidecar ignores its host
/// console's Ctrl-C/Ctrl-Break on purpose, and stdin EOF is how a host says
/// goodbye. The sender is dropped, so this never yields a value.
pub fn terminate_signals() -> tokio::sync::mpsc::UnboundedReceiver<()> {
    tokio::sync::mpsc::unbounded_channel().1
}

/// Nothing to leave: Windows has no process groups, and the sidecar already
/// ignores its host console's Ctrl-C (console.rs).
pub fn leave_host_group() {}

/// Nothing to do: the Windows heap returns free memory by itself.
pub fn release_free_memory() {}

pub fn supported_signals() -> impl Iterator<Item = Signal> {
    Signal::ALL.into_iter().filter(|s| matches!(s, Signal::Int | Signal::Term | Signal::Break | Signal::Kill))
}
