//! Starting a child with `CreateProcessW`, inside its job from the start.
//!
//! Preferred: `PROC_THREAD_ATTRIBUTE_JOB_LIST`, which puts the process in its
//! job as part of its creation, so there is no moment in which it exists
//! outside the job (had the sidecar died in that moment, a suspended child
//! would be left behind). Fallback (`Assign::Suspended`): create suspended,
//! assign, and only then resume; if assigning fails, the process is
//! terminated before it ran a single instruction.
//!
//! Every child gets `CREATE_NO_WINDOW`: a console program gets a console of
//! its own that has no window (nothing pops up) and that its descendants
//! share; `console.rs` uses that console for the graceful step.

use std::ffi::OsStr;
use std::io;
use std::mem::{size_of, zeroed};
use std::os::windows::ffi::OsStrExt;
use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle};
use std::ptr::null;

use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::System::Threading::{
    CreateProcessW, ResumeThread, TerminateProcess, CREATE_BREAKAWAY_FROM_JOB, CREATE_NO_WINDOW, CREATE_SUSPENDED,
    CREATE_UNICODE_ENVIRONMENT, EXTENDED_STARTUPINFO_PRESENT, PROCESS_INFORMATION, PROC_THREAD_ATTRIBUTE_HANDLE_LIST,
    PROC_THREAD_ATTRIBUTE_JOB_LIST, STARTF_USESTDHANDLES, STARTUPINFOEXW,
};

use super::attrs::AttrList;
use super::crt_fds::{self, Entry};
use super::errors::spawn_error;
use super::job::Job;
use super::{cmdline, env, pipes, resolve};
use crate::platform::{FdDir, SpawnError, SpawnSpec};
use crate::platform::Stdio;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assign {
    /// `PROC_THREAD_ATTRIBUTE_JOB_LIST` at creation.
    AtCreation,
    /// Created suspended, assigned, resumed.
    Suspended,
}

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub assign: Assign,
    /// CREATE_BREAKAWAY_FROM_JOB: leave the sidecar's own job.
    pub breakaway: bool,
    /// Leave the main thread suspended (the job-mode probe never runs it).
    pub keep_suspended: bool,
}

pub struct Started {
    pub pid: u32,
    pub process: OwnedHandle,
    /// The sidecar's ends of the piped streams (overlapped).
    pub stdin: Option<OwnedHandle>,
    pub stdout: Option<OwnedHandle>,
    pub stderr: Option<OwnedHandle>,
    /// The sidecar's ends of `spec.extra`, in its order (overlapped).
    pub extra: Vec<(u32, FdDir, OwnedHandle)>,
}

pub fn start(spec: &SpawnSpec<'_>, job: &Job, opts: Options) -> Result<Started, SpawnError> {
    let child_env = env::build(spec.env);
    let program = resolve::program(&spec.argv[0], spec.cwd.as_deref(), child_env.path.as_deref())?;
    let mut command_line = cmdline::build(spec.argv)?;
    let app = wide_os(program.as_os_str());
    let cwd = spec.cwd.as_ref().map(|c| wide_os(c.as_os_str()));

    // `theirs` handles are closed when these go out of scope, after
    // CreateProcess duplicated them into the child.
    let stdin = stream(spec.stdin, pipes::to_child, false)?;
    let stdout = stream(spec.stdout, pipes::from_child, true)?;
    let stderr = stream(spec.stderr, pipes::from_child, true)?;
    let child_handles: [HANDLE; 3] = [stdin.theirs(), stdout.theirs(), stderr.theirs()];
    let extra = extra_pipes(spec)?;
    let mut inherited: Vec<HANDLE> = Vec::with_capacity(3 + extra.len());
    for h in child_handles.into_iter().chain(extra.iter().map(|(_, _, p)| p.theirs.as_raw_handle() as HANDLE)) {
        if !inherited.contains(&h) {
            inherited.push(h);
        }
    }
    // The C runtime's descriptor table, only when there is more than stdio:
    // without it a child's start is exactly what it was.
    let mut table = (!extra.is_empty()).then(|| crt_fds::block(&crt_entries([&stdin, &stdout, &stderr], &extra)));

    let mut attrs = AttrList::new(2).map_err(|e| spawn_error("cannot prepare the process attributes", e))?;
    attrs
        .set_handles(PROC_THREAD_ATTRIBUTE_HANDLE_LIST, &inherited)
        .map_err(|e| spawn_error("cannot restrict the inherited handles", e))?;
    if opts.assign == Assign::AtCreation {
        attrs
            .set_handles(PROC_THREAD_ATTRIBUTE_JOB_LIST, &[job.raw()])
            .map_err(|e| spawn_error("cannot name the job at creation", e))?;
    }

    let mut flags = EXTENDED_STARTUPINFO_PRESENT | CREATE_UNICODE_ENVIRONMENT | CREATE_NO_WINDOW;
    if opts.assign == Assign::Suspended || opts.keep_suspended {
        flags |= CREATE_SUSPENDED;
    }
    if opts.breakaway {
        flags |= CREATE_BREAKAWAY_FROM_JOB;
    }
    let mut si: STARTUPINFOEXW = unsafe { zeroed() };
    si.StartupInfo.cb = size_of::<STARTUPINFOEXW>() as u32;
    si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    si.StartupInfo.hStdInput = child_handles[0];
    si.StartupInfo.hStdOutput = child_handles[1];
    si.StartupInfo.hStdError = child_handles[2];
    if let Some(t) = table.as_mut() {
        si.StartupInfo.cbReserved2 = t.len() as u16;
        si.StartupInfo.lpReserved2 = t.as_mut_ptr();
    }
    si.lpAttributeList = attrs.as_ptr();
    let mut pi: PROCESS_INFORMATION = unsafe { zeroed() };
    // SAFETY: every pointer is valid and NUL-terminated for the call; the
    // command line buffer is writable as CreateProcessW requires.
    let ok = unsafe {
        CreateProcessW(
            app.as_ptr(),
            command_line.as_mut_ptr(),
            null(),
            null(),
            1,
            flags,
            child_env.block.as_ref().map_or(null(), |b| b.as_ptr() as *const _),
            cwd.as_ref().map_or(null(), |c| c.as_ptr()),
            &si.StartupInfo,
            &mut pi,
        )
    };
    if ok == 0 {
        return Err(spawn_error(&format!("cannot start {:?}", spec.argv[0]), io::Error::last_os_error()));
    }
    // SAFETY: CreateProcessW returned these two handles to us.
    let (process, thread) = unsafe { (OwnedHandle::from_raw_handle(pi.hProcess), OwnedHandle::from_raw_handle(pi.hThread)) };
    if opts.assign == Assign::Suspended {
        if let Err(e) = job.assign(process.as_raw_handle() as HANDLE) {
            // It never ran: end it before anything can escape.
            // SAFETY: our own process handle.
            unsafe { TerminateProcess(process.as_raw_handle() as HANDLE, 1) };
            return Err(spawn_error("cannot put the child into its job", e));
        }
    }
    if flags & CREATE_SUSPENDED != 0 && !opts.keep_suspended {
        // SAFETY: our own thread handle.
        if unsafe { ResumeThread(thread.as_raw_handle() as HANDLE) } == u32::MAX {
            let e = io::Error::last_os_error();
            // SAFETY: as above; the job would end it too, but say so now.
            unsafe { TerminateProcess(process.as_raw_handle() as HANDLE, 1) };
            return Err(spawn_error("cannot resume the child", e));
        }
    }
    drop(thread);
    let extra = extra.into_iter().map(|(fd, dir, p)| (fd, dir, p.ours)).collect();
    Ok(Started { pid: pi.dwProcessId, process, stdin: stdin.ours(), stdout: stdout.ours(), stderr: stderr.ours(), extra })
}

/// One pipe per extra descriptor: the child reads an input, writes an
/// output, does both on a duplex one.
fn extra_pipes(spec: &SpawnSpec<'_>) -> Result<Vec<(u32, FdDir, pipes::Pipe)>, SpawnError> {
    spec.extra
        .iter()
        .map(|e| {
            let pipe = match e.dir {
                FdDir::Input => pipes::to_child(),
                FdDir::Output => pipes::from_child(),
                FdDir::Duplex => pipes::duplex(),
            };
            pipe.map(|p| (e.fd, e.dir, p)).map_err(|err| spawn_error(&format!("cannot create a pipe for descriptor {}", e.fd), err))
        })
        .collect()
}

/// Every descriptor from 0 to the highest extra one: stdio's handles, the
/// extra pipes, and closed entries for the numbers between.
fn crt_entries(stdio: [&Slot; 3], extra: &[(u32, FdDir, pipes::Pipe)]) -> Vec<Entry> {
    let top = extra.iter().map(|e| e.0 as usize).max().unwrap_or(2);
    let mut entries: Vec<Entry> = stdio.iter().map(|s| s.entry()).collect();
    entries.resize(top + 1, Entry::Closed);
    for (fd, _, p) in extra {
        entries[*fd as usize] = Entry::Pipe(p.theirs.as_raw_handle() as HANDLE);
    }
    entries
}

/// One stdio slot: a pipe, or the null device.
enum Slot {
    Pipe(pipes::Pipe),
    Null(OwnedHandle),
}

impl Slot {
    fn theirs(&self) -> HANDLE {
        match self {
            Slot::Pipe(p) => p.theirs.as_raw_handle() as HANDLE,
            Slot::Null(h) => h.as_raw_handle() as HANDLE,
        }
    }
    fn entry(&self) -> Entry {
        match self {
            Slot::Pipe(p) => Entry::Pipe(p.theirs.as_raw_handle() as HANDLE),
            Slot::Null(h) => Entry::Device(h.as_raw_handle() as HANDLE),
        }
    }
    fn ours(self) -> Option<OwnedHandle> {
        match self {
            Slot::Pipe(p) => Some(p.ours),
            Slot::Null(_) => None,
        }
    }
}

fn stream(mode: Stdio, make: fn() -> io::Result<pipes::Pipe>, child_writes: bool) -> Result<Slot, SpawnError> {
    match mode {
        Stdio::Pipe => make().map(Slot::Pipe).map_err(|e| spawn_error("cannot create a pipe for the child", e)),
        Stdio::Null => {
            pipes::null(child_writes).map(Slot::Null).map_err(|e| spawn_error("cannot open the null device", e))
        }
    }
}

fn wide_os(s: &OsStr) -> Vec<u16> {
    s.encode_wide().chain(Some(0)).collect()
}
