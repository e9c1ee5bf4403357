//! Ending a process tree this sidecar did not start (`terminate`, see
//! docs/reference/protocol.md and docs/reference/design.md, "Foreign trees"). Windows.
//!
//! The root is opened (a held handle keeps its pid from being reused), a new
//! job is created and the root assigned to it; then a Toolhelp32 snapshot is
//! walked for processes whose parent is a member, each opened, checked (it
//! was created after its parent, so the parent pid is not a stale, reused
//! one) and assigned, until a walk finds nobody new. From assignment on, a
//! member's new children are born inside the job, so the walks converge.
//! `TerminateJobObject` then ends them all at once. If an assignment is
//! refused (a process in a job that forbids nesting), every member found is
//! terminated one by one through its handle instead.
//!
//! No graceful step: a console event would need the tree's console (the
//! console helper of console.rs attaches to a console of ours), so
//! `graceful` is false and the grace is not waited.

use std::collections::HashSet;
use std::mem::{size_of, zeroed};
use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use windows_sys::Win32::Foundation::{FILETIME, HANDLE, INVALID_HANDLE_VALUE, WAIT_OBJECT_0};
use windows_sys::Win32::System::Diagnostics::ToolHelp::{
    CreateToolhelp32Snapshot, Process32FirstW, Process32NextW, PROCESSENTRY32W, TH32CS_SNAPPROCESS,
};
use windows_sys::Win32::System::Threading::{
    GetCurrentProcessId, GetProcessTimes, OpenProcess, TerminateProcess, WaitForSingleObject, PROCESS_QUERY_LIMITED_INFORMATION,
    PROCESS_SET_QUOTA, PROCESS_TERMINATE,
};

use super::job::{Job, KILLED_EXIT_CODE};
use crate::platform::{ForeignOutcome, ForeignRefusal};
use crate::signals::Signal;

/// The same bounds as on Linux (unix/linux/foreign.rs): members held, walks.
const MAX_MEMBERS: usize = 4096;
const MAX_WALKS: usize = 64;
/// How long terminated members may take to exit before `quiet` is false.
const STUBBORN_LIMIT: Duration = Duration::from_secs(10);
/// SYNCHRONIZE: wait on the process handle.
const SYNCHRONIZE: u32 = 0x0010_0000;
const ERROR_INVALID_PARAMETER: i32 = 87;

pub struct Member {
    pid: u32,
    handle: OwnedHandle,
    created: u64,
}

impl Member {
    fn exited(&self) -> bool {
        // SAFETY: a process handle we own, opened with SYNCHRONIZE.
        unsafe { WaitForSingleObject(self.handle.as_raw_handle() as HANDLE, 0) == WAIT_OBJECT_0 }
    }
}

pub enum ForeignTarget {
    Gone,
    Pinned(Box<Member>),
}

/// (pid, parent pid) of every process, from one Toolhelp32 snapshot.
fn snapshot() -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    // SAFETY: plain Win32 calls; the snapshot handle is owned right away.
    unsafe {
        let h = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
        if h == INVALID_HANDLE_VALUE {
            return out;
        }
        let _owned = OwnedHandle::from_raw_handle(h as _);
        let mut e: PROCESSENTRY32W = zeroed();
        e.dwSize = size_of::<PROCESSENTRY32W>() as u32;
        let mut ok = Process32FirstW(h, &mut e);
        while ok != 0 {
            out.push((e.th32ProcessID, e.th32ParentProcessID));
            ok = Process32NextW(h, &mut e);
        }
    }
    out
}

fn creation_time(h: HANDLE) -> Option<u64> {
    let (mut c, mut x, mut k, mut u): (FILETIME, FILETIME, FILETIME, FILETIME) = unsafe { zeroed() };
    // SAFETY: a valid process handle with query rights; four out-params.
    if unsafe { GetProcessTimes(h, &mut c, &mut x, &mut k, &mut u) } == 0 {
        return None;
    }
    Some(((c.dwHighDateTime as u64) << 32) | c.dwLowDateTime as u64)
}

/// Opens `pid` with the rights the call needs; Err(os error) when refused.
fn open(pid: u32) -> Result<Member, std::io::Error> {
    let rights = PROCESS_SET_QUOTA | PROCESS_TERMINATE | PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE;
    // SAFETY: plain Win32 call; the handle is owned right away.
    let h = unsafe { OpenProcess(rights, 0, pid) };
    if h.is_null() {
        return Err(std::io::Error::last_os_error());
    }
    let handle = unsafe { OwnedHandle::from_raw_handle(h as _) };
    let created = creation_time(h).unwrap_or(0);
    Ok(Member { pid, handle, created })
}

/// Validates and opens the root. Windows pids are never below 4 for a user
/// process (0 is the idle process, 4 the kernel's System).
pub fn target(pid: u32) -> Result<ForeignTarget, ForeignRefusal> {
    // SAFETY: no arguments, no failure.
    let me = unsafe { GetCurrentProcessId() };
    if pid < 8 {
        return Err(ForeignRefusal::Protected(format!("pid {pid} is a system process")));
    }
    if pid == me {
        return Err(ForeignRefusal::Protected(format!("pid {pid} is the sidecar itself")));
    }
    let table = snapshot();
    let parent = |p: u32| table.iter().find(|(x, _)| *x == p).map(|(_, pp)| *pp);
    // Ancestors by parent links (they may be stale on Windows: refusing a
    // reused pid too is the safe side).
    let mut cur = me;
    for _ in 0..4096 {
        match parent(cur) {
            Some(pp) if pp == pid => {
                return Err(ForeignRefusal::Protected(format!("pid {pid} is an ancestor of the sidecar (its host or above)")))
            }
            Some(pp) if pp != 0 && pp != cur => cur = pp,
            _ => break,
        }
    }
    let root = match open(pid) {
        Ok(m) => m,
        Err(e) if e.raw_os_error() == Some(ERROR_INVALID_PARAMETER) => return Ok(ForeignTarget::Gone),
        Err(e) => return Err(ForeignRefusal::Protected(format!("pid {pid} cannot be opened: {e}"))),
    };
    if root.exited() {
        return Ok(ForeignTarget::Gone);
    }
    // One of ours (a supervised root or its descendant): `cancel` ends it.
    let mut cur = pid;
    for _ in 0..4096 {
        match parent(cur) {
            Some(pp) if pp == me => return Err(ForeignRefusal::Supervised { root: cur }),
            Some(pp) if pp != 0 && pp != cur => cur = pp,
            _ => break,
        }
    }
    Ok(ForeignTarget::Pinned(Box::new(root)))
}

impl ForeignTarget {
    /// Blocking. `signal`, `grace` and `hurry` are not used: there is no
    /// graceful step for a foreign tree on Windows (module comment).
    pub fn terminate(self, _signal: Signal, _grace: Duration, _hurry: Arc<AtomicBool>) -> ForeignOutcome {
        let root = match self {
            ForeignTarget::Gone => return ForeignOutcome { quiet: true, ..Default::default() },
            ForeignTarget::Pinned(root) => *root,
        };
        let job = Job::new().map_err(|e| tracing::warn!("terminate: no job object ({e}); ending members one by one")).ok();
        let mut all_assigned = job.as_ref().is_some_and(|j| j.assign(root.handle.as_raw_handle() as HANDLE).is_ok());
        let mut members = vec![root];
        let mut capped = true;
        for _ in 0..MAX_WALKS {
            let known: HashSet<u32> = members.iter().map(|m| m.pid).collect();
            let mut adopted = 0;
            for (pid, ppid) in snapshot() {
                if known.contains(&pid) || !known.contains(&ppid) || members.len() >= MAX_MEMBERS {
                    continue;
                }
                let Some(parent) = members.iter().find(|m| m.pid == ppid) else { continue };
                let Ok(m) = open(pid) else { continue };
                // A parent pid names the parent only if the child is younger:
                // Windows keeps a dead parent's pid in its children's entries.
                if m.created < parent.created || m.exited() {
                    continue;
                }
                if let Some(j) = &job {
                    all_assigned &= j.assign(m.handle.as_raw_handle() as HANDLE).is_ok();
                }
                members.push(m);
                adopted += 1;
            }
            if adopted == 0 {
                capped = members.len() >= MAX_MEMBERS;
                break;
            }
        }
        let mut killed_pids: Vec<u32> = members.iter().filter(|m| !m.exited()).map(|m| m.pid).collect();
        let mut pids: Vec<u32> = members.iter().map(|m| m.pid).collect();
        match (&job, all_assigned) {
            (Some(j), true) => {
                // Members born after their parent was assigned are in the job
                // without a walk having seen them: name them too.
                for p in j.pids() {
                    if !pids.contains(&p) {
                        pids.push(p);
                        killed_pids.push(p);
                    }
                }
                if let Err(e) = j.terminate() {
                    tracing::warn!("terminate: TerminateJobObject failed ({e}); ending members one by one");
                    terminate_each(&members);
                }
            }
            _ => {
                if let Some(j) = &job {
                    let _ = j.terminate();
                }
                terminate_each(&members);
            }
        }
        let deadline = Instant::now() + STUBBORN_LIMIT;
        let quiet = loop {
            if members.iter().all(Member::exited) && job.as_ref().map_or(true, |j| j.active_processes().map_or(true, |n| n == 0)) {
                break true;
            }
            if Instant::now() >= deadline {
                break false;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        ForeignOutcome { pids, killed_pids, graceful: false, quiet, capped }
    }
}

/// The fallback: each member through its own handle (held since it was
/// found, so its pid cannot have been reused).
fn terminate_each(members: &[Member]) {
    for m in members.iter().filter(|m| !m.exited()) {
        // SAFETY: a process handle we own, opened with PROCESS_TERMINATE.
        unsafe { TerminateProcess(m.handle.as_raw_handle() as HANDLE, KILLED_EXIT_CODE) };
    }
}
