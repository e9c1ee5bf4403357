//! Which way of putting children into jobs works here, found once at start
//! by creating a real (suspended, never resumed) process each way, in order
//! of preference, and ending it through its job:
//!
//! 1. job list at creation, no breakaway (also when the sidecar itself runs
//!    in a job: since Windows 8 jobs nest, and ours then nest below it);
//! 2. created suspended, assigned, resumed (systems without the attribute);
//! 3. the same two with CREATE_BREAKAWAY_FROM_JOB, only if nesting was
//!    refused (ERROR_ACCESS_DENIED) and the sidecar's job allows breakaway.
//!
//! If none works, spawns are refused rather than run uncontained, and the
//! handshake says `assign: "unavailable"`.

use std::time::Duration;

use super::job::{self, Job, OuterJob};
use super::spawn::{self, Assign, Options};
use crate::platform::{Env, SpawnSpec, Stdio};

#[derive(Debug, Clone, Copy)]
pub struct JobMode {
    /// `None`: no way works; spawns are refused.
    pub assign: Option<Assign>,
    pub breakaway: bool,
    pub outer: OuterJob,
}

impl JobMode {
    pub fn name(&self) -> &'static str {
        match self.assign {
            Some(Assign::AtCreation) => "at_creation",
            Some(Assign::Suspended) => "suspended",
            None => "unavailable",
        }
    }

    /// Children's jobs are nested in the sidecar's job.
    pub fn nested(&self) -> bool {
        self.outer.in_job && !self.outer.silent_breakaway && !self.breakaway
    }
}

pub fn detect() -> JobMode {
    let outer = job::outer();
    let mut tries = vec![(Assign::AtCreation, false), (Assign::Suspended, false)];
    if outer.in_job && outer.breakaway_ok {
        tries.extend([(Assign::AtCreation, true), (Assign::Suspended, true)]);
    }
    for (assign, breakaway) in tries {
        match try_mode(assign, breakaway) {
            Ok(()) => return JobMode { assign: Some(assign), breakaway, outer },
            Err(why) => tracing::info!("job mode {assign:?} (breakaway {breakaway}) unusable: {why}"),
        }
    }
    tracing::error!("no way to put children into a job object works here: spawns will be refused");
    JobMode { assign: None, breakaway: false, outer }
}

fn try_mode(assign: Assign, breakaway: bool) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let argv = [exe.to_string_lossy().into_owned(), "--version".to_owned()];
    let spec = SpawnSpec {
        argv: &argv,
        cwd: None,
        env: Env::Inherit,
        stdin: Stdio::Null,
        stdout: Stdio::Null,
        stderr: Stdio::Null,
        extra: &[],
        detached: true,
    };
    let job = Job::new().map_err(|e| format!("cannot create a job: {e}"))?;
    let started = spawn::start(&spec, &job, Options { assign, breakaway, keep_suspended: true }).map_err(|e| e.message)?;
    let member = job.pids().contains(&started.pid);
    let _ = job.terminate();
    // Let the termination finish before the job handle closes.
    let _ = wait_exit(&started.process);
    if !member {
        return Err("the process did not show up in its job".into());
    }
    Ok(())
}

fn wait_exit(process: &std::os::windows::io::OwnedHandle) -> bool {
    use std::os::windows::io::AsRawHandle;
    use windows_sys::Win32::Foundation::WAIT_OBJECT_0;
    use windows_sys::Win32::System::Threading::WaitForSingleObject;
    let ms = Duration::from_secs(2).as_millis() as u32;
    // SAFETY: a valid process handle.
    unsafe { WaitForSingleObject(process.as_raw_handle() as _, ms) == WAIT_OBJECT_0 }
}
