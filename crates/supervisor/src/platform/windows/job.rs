//! One Job Object per child tree. The job is what makes a Windows tree one
//! thing: every process the root starts is counted in it (unless it was
//! allowed to break away, which these jobs never allow), `TerminateJobObject`
//! ends them all at once, and `KILL_ON_JOB_CLOSE` ends them all when the last
//! handle closes, which is what happens when the sidecar dies however it dies.
//! The flag is read back after setting it: a job that silently lacks it (the
//! mistake of process-wrap 9.1) would leave trees running after our death.

use std::io;
use std::mem::{size_of, zeroed};
use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle};
use std::ptr::{null, null_mut};

use windows_sys::core::BOOL;
use windows_sys::Win32::Foundation::{ERROR_MORE_DATA, HANDLE};
use windows_sys::Win32::System::JobObjects::{
    AssignProcessToJobObject, CreateJobObjectW, IsProcessInJob, JobObjectBasicAccountingInformation,
    JobObjectBasicProcessIdList, JobObjectExtendedLimitInformation, QueryInformationJobObject,
    SetInformationJobObject, TerminateJobObject, JOBOBJECT_BASIC_ACCOUNTING_INFORMATION,
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION, JOB_OBJECT_LIMIT_BREAKAWAY_OK, JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION,
    JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE, JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK,
};
use windows_sys::Win32::System::Threading::GetCurrentProcess;

/// The exit code `TerminateJobObject` gives every member ("KILL" in ASCII):
/// unlikely as a program's own code, so the root's status can say SIGKILL.
pub const KILLED_EXIT_CODE: u32 = 0x4B49_4C4C;

pub struct Job {
    handle: OwnedHandle,
}

impl Job {
    /// A new, empty job that kills its members when its last handle closes.
    /// The handle is not inheritable: no child may keep the job alive.
    pub fn new() -> io::Result<Job> {
        // SAFETY: plain Win32 calls; the handle is owned right away.
        let job = unsafe {
            let h = CreateJobObjectW(null(), null());
            if h.is_null() {
                return Err(io::Error::last_os_error());
            }
            Job { handle: OwnedHandle::from_raw_handle(h) }
        };
        let mut info: JOBOBJECT_EXTENDED_LIMIT_INFORMATION = unsafe { zeroed() };
        // Die on an unhandled exception: without it a crashing member waits
        // in an error-report dialog nobody sees, and the tree never empties.
        info.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION;
        // SAFETY: `info` is the structure this information class expects.
        let ok = unsafe {
            SetInformationJobObject(
                job.raw(),
                JobObjectExtendedLimitInformation,
                &info as *const _ as *const _,
                size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32,
            )
        };
        if ok == 0 {
            return Err(io::Error::last_os_error());
        }
        match limit_flags(job.raw())? {
            // Wine 8.0 answers this query with zeroes (it does not report
            // limits), though it applies them; the lifecycle tests check
            // kill-on-close by its effect there.
            0 => warn_unverified(),
            f if f & JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE == 0 => {
                return Err(io::Error::other("the job did not keep JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE"));
            }
            _ => {}
        }
        Ok(job)
    }

    pub fn raw(&self) -> HANDLE {
        self.handle.as_raw_handle() as HANDLE
    }

    pub fn assign(&self, process: HANDLE) -> io::Result<()> {
        // SAFETY: both handles are valid for the call.
        if unsafe { AssignProcessToJobObject(self.raw(), process) } == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Ends every member at once, with [`KILLED_EXIT_CODE`].
    pub fn terminate(&self) -> io::Result<()> {
        // SAFETY: the job handle is valid.
        if unsafe { TerminateJobObject(self.raw(), KILLED_EXIT_CODE) } == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Processes of the job still running, from the job's own accounting:
    /// the one answer to "is the tree empty" that no pid reuse can fool.
    pub fn active_processes(&self) -> io::Result<u32> {
        let mut info: JOBOBJECT_BASIC_ACCOUNTING_INFORMATION = unsafe { zeroed() };
        // SAFETY: `info` is the structure this information class expects.
        let ok = unsafe {
            QueryInformationJobObject(
                self.raw(),
                JobObjectBasicAccountingInformation,
                &mut info as *mut _ as *mut _,
                size_of::<JOBOBJECT_BASIC_ACCOUNTING_INFORMATION>() as u32,
                null_mut(),
            )
        };
        if ok == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(info.ActiveProcesses)
    }

    /// Pids of the processes in the job right now (root included while it runs).
    pub fn pids(&self) -> Vec<u32> {
        // The list is a header of two u32 counts, then one usize per pid.
        let header = 8 / size_of::<usize>();
        let mut room = 64usize;
        for _ in 0..8 {
            let mut buf = vec![0usize; header + room];
            // SAFETY: `buf` is as large as the length we pass.
            let ok = unsafe {
                QueryInformationJobObject(
                    self.raw(),
                    JobObjectBasicProcessIdList,
                    buf.as_mut_ptr() as *mut _,
                    (buf.len() * size_of::<usize>()) as u32,
                    null_mut(),
                )
            };
            // SAFETY: the first 8 bytes are the two counts.
            let (assigned, listed) = unsafe {
                let counts = buf.as_ptr() as *const u32;
                (*counts as usize, *counts.add(1) as usize)
            };
            let more = ok == 0 && io::Error::last_os_error().raw_os_error() == Some(ERROR_MORE_DATA as i32);
            if ok == 0 && !more {
                tracing::warn!("listing the job's processes: {}", io::Error::last_os_error());
                return Vec::new();
            }
            if more || assigned > listed {
                room = assigned.max(room * 2) + 16;
                continue;
            }
            return buf[header..header + listed].iter().map(|&p| p as u32).collect();
        }
        Vec::new()
    }
}

fn warn_unverified() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| tracing::warn!("job limits read back as zero: KILL_ON_JOB_CLOSE was set but cannot be verified"));
}

fn limit_flags(job: HANDLE) -> io::Result<u32> {
    let mut info: JOBOBJECT_EXTENDED_LIMIT_INFORMATION = unsafe { zeroed() };
    // SAFETY: `info` is the structure this information class expects; a
    // null job handle means the job of the calling process.
    let ok = unsafe {
        QueryInformationJobObject(
            job,
            JobObjectExtendedLimitInformation,
            &mut info as *mut _ as *mut _,
            size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32,
            null_mut(),
        )
    };
    if ok == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(info.BasicLimitInformation.LimitFlags)
}

/// The job the sidecar itself runs in, if any (a CI runner, a terminal, an
/// IDE may start us inside one).
#[derive(Debug, Clone, Copy, Default)]
pub struct OuterJob {
    pub in_job: bool,
    /// Children may be created with CREATE_BREAKAWAY_FROM_JOB.
    pub breakaway_ok: bool,
    /// Children leave the outer job by themselves.
    pub silent_breakaway: bool,
}

pub fn outer() -> OuterJob {
    let mut in_job: BOOL = 0;
    // SAFETY: pseudo-handle of the current process; null job = "any job".
    if unsafe { IsProcessInJob(GetCurrentProcess(), std::ptr::null_mut(), &mut in_job) } == 0 || in_job == 0 {
        return OuterJob::default();
    }
    let flags = limit_flags(std::ptr::null_mut()).unwrap_or(0);
    OuterJob {
        in_job: true,
        breakaway_ok: flags & JOB_OBJECT_LIMIT_BREAKAWAY_OK != 0,
        silent_breakaway: flags & JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK != 0,
    }
}
