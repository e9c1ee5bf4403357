//! One child's process tree on Windows: the root's process handle and the
//! job that holds the root and every descendant.
//!
//! - Membership and emptiness come from the job: `is_empty` is true only when
//!   the root has exited *and* the job's accounting counts no active process,
//!   never on a completion message alone.
//! - The forceful step is `TerminateJobObject`, one call for the whole tree,
//!   orphans included (a member whose parent exited is still in the job,
//!   which is what `taskkill /t`, walking parent links, misses).
//! - The process handle is held until the tree is dropped, so the root's pid
//!   cannot be reused while anything here may still name it.

use std::os::windows::io::{AsRawHandle, OwnedHandle};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use windows_sys::Win32::Foundation::{CloseHandle, HANDLE};
use windows_sys::Win32::System::Threading::{
    GetExitCodeProcess, OpenProcess, QueryFullProcessImageNameW, WaitForSingleObject, INFINITE, PROCESS_NAME_WIN32,
    PROCESS_QUERY_LIMITED_INFORMATION,
};

use super::console;
use super::exit_watch::{self, ExitWatch};
use super::job::{Job, KILLED_EXIT_CODE};
use crate::ladder::Tree;
use crate::platform::ExitStatus;
use crate::signals::Signal;

/// What a process ended by an unhandled Ctrl-C or Ctrl-Break exits with.
const STATUS_CONTROL_C_EXIT: u32 = 0xC000_013A;

pub struct ProcessTree {
    pid: u32,
    // Field order matters: the exit watch is unregistered before the
    // process handle it waits on is closed.
    exit: ExitWatch,
    process: OwnedHandle,
    job: Job,
    helper: Arc<PathBuf>,
    status: Option<ExitStatus>,
    /// The last console event sent, to name a death by it (`SIGTERM`).
    sent: Option<Signal>,
    /// The forceful step ran while the root was alive.
    terminated: bool,
    /// Set by the console helper's watcher when the last event reached
    /// nobody; a fresh flag per event, so an old failure never cuts a new
    /// grace short.
    undelivered: Arc<AtomicBool>,
}

impl ProcessTree {
    pub(super) fn new(pid: u32, process: OwnedHandle, job: Job, helper: Arc<PathBuf>) -> ProcessTree {
        let exit = ExitWatch::new(&process);
        ProcessTree {
            pid,
            exit,
            process,
            job,
            helper,
            status: None,
            sent: None,
            terminated: false,
            undelivered: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Windows has no process groups in the Unix sense.
    pub fn pgid(&self) -> Option<u32> {
        None
    }

    pub async fn wait_root_exit(&mut self) {
        self.exit.wait(&self.process).await
    }

    pub fn root_exited(&self) -> bool {
        self.status.is_some() || exit_watch::has_exited(&self.process)
    }

    /// Live members other than the root and the tree's console host.
    pub fn descendants(&mut self) -> Vec<u32> {
        let root = self.pid;
        self.job.pids().into_iter().filter(|&p| p != root && !is_console_host(p)).collect()
    }

    /// How the root ended, while a kept tree may still run (`leftovers:
    /// "keep"`). Windows has no zombie to keep: the open process handle
    /// already keeps the pid from being reused, so this is `reap`; if the
    /// task ever dropped a kept tree early, KILL_ON_JOB_CLOSE still ends it.
    pub fn exit_status(&mut self) -> ExitStatus {
        self.reap()
    }

    /// How the root ended. Windows has no zombies to reap: the status is
    /// read from the handle (kept open until the tree is dropped).
    pub fn reap(&mut self) -> ExitStatus {
        if let Some(s) = &self.status {
            return s.clone();
        }
        let h = self.process.as_raw_handle() as HANDLE;
        let mut code = 0u32;
        // SAFETY: our own process handle; the wait returns at once when the
        // root has exited, which the lifecycle guarantees before reaping.
        let ok = unsafe {
            WaitForSingleObject(h, INFINITE);
            GetExitCodeProcess(h, &mut code)
        };
        let status = if ok == 0 {
            tracing::error!("reading the exit code of {} failed: {}", self.pid, std::io::Error::last_os_error());
            ExitStatus::Signal("UNKNOWN".into())
        } else {
            self.classify(code)
        };
        self.status = Some(status.clone());
        status
    }

    /// A death we caused is reported as the signal that caused it, never as
    /// an exit code: a cancel must not look like `exit 1`. Other codes are
    /// the program's own (NTSTATUS crash codes appear as negative numbers).
    fn classify(&self, code: u32) -> ExitStatus {
        if self.terminated && code == KILLED_EXIT_CODE {
            return ExitStatus::Signal(Signal::Kill.name().into());
        }
        match self.sent {
            Some(sig) if code == STATUS_CONTROL_C_EXIT => ExitStatus::Signal(sig.name().into()),
            _ => ExitStatus::Code(code as i32),
        }
    }

    fn active(&self) -> u32 {
        self.job.active_processes().unwrap_or_else(|e| {
            // Cannot count: assume someone is left, so the ladder kills.
            tracing::warn!("querying the job of {}: {e}", self.pid);
            1
        })
    }
}

/// The console host (conhost.exe) of the tree's windowless console is in
/// the job too (Windows 8 and later, and Wine), but it is not a leftover of
/// the program: it ends by itself once its last client has. Reporting it in
/// `leftover_pids` would be wrong; the job still counts it for `is_empty`.
fn is_console_host(pid: u32) -> bool {
    let mut buf = [0u16; 1024];
    let mut len = buf.len() as u32;
    // SAFETY: plain queries; the handle is closed on every path.
    let ok = unsafe {
        let h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid);
        if h.is_null() {
            return false;
        }
        let ok = QueryFullProcessImageNameW(h, PROCESS_NAME_WIN32, buf.as_mut_ptr(), &mut len);
        CloseHandle(h);
        ok != 0
    };
    if !ok {
        return false;
    }
    let path = String::from_utf16_lossy(&buf[..(len as usize).min(buf.len())]);
    path.rsplit(['\\', '/']).next().is_some_and(|name| name.eq_ignore_ascii_case("conhost.exe"))
}

impl Tree for ProcessTree {
    fn signal(&mut self, sig: Signal) -> Vec<u32> {
        if sig == Signal::Kill {
            return self.kill();
        }
        // A fresh flag first, so no earlier event's failure can cut this grace short.
        self.undelivered = Arc::new(AtomicBool::new(false));
        let Some(event) = console::event_for(sig) else { return Vec::new() };
        let mut pids = self.job.pids();
        if pids.is_empty() {
            return pids;
        }
        // The root first: its console is the tree's.
        pids.sort_by_key(|&p| p != self.pid);
        if console::deliver(&self.helper, event, &pids, Arc::clone(&self.undelivered)) {
            self.sent = Some(sig);
        }
        pids.sort_unstable();
        pids
    }

    fn kill(&mut self) -> Vec<u32> {
        let pids = self.job.pids();
        if !self.root_exited() {
            self.terminated = true;
        }
        if let Err(e) = self.job.terminate() {
            tracing::error!("TerminateJobObject for {} failed: {e}", self.pid);
        }
        pids
    }

    fn graceful_failed(&mut self) -> bool {
        self.undelivered.load(Ordering::SeqCst)
    }

    fn root_exited(&mut self) -> bool {
        ProcessTree::root_exited(self)
    }

    fn is_empty(&mut self) -> bool {
        self.root_exited() && self.active() == 0
    }
}

impl Drop for ProcessTree {
    /// A tree is never dropped with members alive; this is the safety net
    /// for paths that bail out early (closing the job would kill them too,
    /// through KILL_ON_JOB_CLOSE, but say it explicitly).
    fn drop(&mut self) {
        if self.status.is_none() && !self.is_empty() {
            Tree::kill(self);
        }
    }
}
