//! The graceful step on Windows: console control events.
//!
//! Windows has no SIGTERM. What a console program can catch is a control
//! event (Ctrl-C, Ctrl-Break), and `GenerateConsoleCtrlEvent` only reaches
//! processes attached to the *sender's* console. Each child runs in a
//! console of its own without a window (`CREATE_NO_WINDOW`, see spawn.rs),
//! shared by its console descendants. So the sidecar starts a short-lived
//! helper (this same binary, `--watchdog ctrl:EVENT:PIDS`) with no console
//! of its own (`DETACHED_PROCESS`); the helper attaches to the tree's
//! console, ignores the event itself, and sends it to process group 0,
//! which means every process on that console: exactly the tree.
//!
//! Why this and not a hidden console owned by the sidecar with
//! `CREATE_NEW_PROCESS_GROUP` per child: that flag disables Ctrl-C in the
//! child (so SIGINT could never be delivered), one shared console would
//! couple all trees, and the sidecar would have to allocate a console
//! (possibly a visible window). With one console per tree, Ctrl-C works and
//! no tree can receive another's event.
//!
//! Limits: GUI programs and processes that detach from the console or make
//! their own (`DETACHED_PROCESS`, `CREATE_NEW_CONSOLE`) receive nothing;
//! the ladder's forceful step (`TerminateJobObject`) still ends them. The
//! helper is fire-and-forget: the ladder's grace period runs meanwhile, and
//! a failure is logged (warn) with the Win32 error.

use std::os::windows::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use windows_sys::core::BOOL;
use windows_sys::Win32::Foundation::GetLastError;
use windows_sys::Win32::System::Console::{
    AttachConsole, FreeConsole, GenerateConsoleCtrlEvent, SetConsoleCtrlHandler, CTRL_BREAK_EVENT, CTRL_C_EVENT,
};
use windows_sys::Win32::System::Threading::DETACHED_PROCESS;

use crate::signals::Signal;

/// The helper's argument prefix (after `--watchdog`).
pub const HELPER_PREFIX: &str = "ctrl:";

/// How long the helper may take before it is killed and the attempt logged
/// as failed (the ladder does not wait for it).
const HELPER_LIMIT: Duration = Duration::from_secs(5);

// Helper exit codes: the failing step in the high bits, the Win32 error low.
const BAD_ARGS: u32 = 2;
const ATTACH_FAILED: u32 = 0x1000_0000;
const HANDLER_FAILED: u32 = 0x2000_0000;
const GENERATE_FAILED: u32 = 0x3000_0000;

/// The control event a portable signal name maps to, if any.
pub fn event_for(sig: Signal) -> Option<u32> {
    match sig {
        Signal::Int => Some(CTRL_C_EVENT),
        Signal::Term | Signal::Break => Some(CTRL_BREAK_EVENT),
        _ => None,
    }
}

/// Starts the helper that sends `event` to the console of the first of
/// `pids` it can attach to. Returns false if the helper could not start.
/// `failed` is set once the helper reports that the event reached nobody
/// (it could not attach, or the event was refused), so the ladder can go to
/// its forceful step at once; a helper that overran its limit leaves it
/// unset, since the event may still have been sent.
pub fn deliver(helper: &Path, event: u32, pids: &[u32], failed: Arc<AtomicBool>) -> bool {
    let list: Vec<String> = pids.iter().map(u32::to_string).collect();
    let arg = format!("{HELPER_PREFIX}{event}:{}", list.join(","));
    let started = Command::new(helper)
        .arg("--watchdog")
        .arg(&arg)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .creation_flags(DETACHED_PROCESS)
        .spawn();
    let mut child = match started {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!("console control event {event} to {pids:?} not sent: cannot start the helper: {e}");
            failed.store(true, Ordering::SeqCst);
            return false;
        }
    };
    let spawned = std::thread::Builder::new().name("console-ctrl".into()).stack_size(64 * 1024).spawn(move || {
        let deadline = Instant::now() + HELPER_LIMIT;
        let code = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status.code().map(|c| c as u32),
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
            }
        };
        if report(event, &list, code) {
            failed.store(true, Ordering::SeqCst);
        }
    });
    if spawned.is_err() {
        tracing::warn!("cannot watch the console helper; its result goes unreported");
    }
    true
}

/// Logs the helper's outcome; true when the event certainly reached nobody.
fn report(event: u32, pids: &[String], code: Option<u32>) -> bool {
    let step = match code {
        Some(0) => {
            tracing::info!("console control event {event} sent to the console of {pids:?}");
            return false;
        }
        None => {
            tracing::warn!("console control event {event} to {pids:?}: the helper did not finish; delivery unknown");
            return false;
        }
        Some(BAD_ARGS) => "the helper rejected its arguments".to_owned(),
        Some(c) if c & 0xF000_0000 == ATTACH_FAILED => format!("AttachConsole failed with error {}", c & 0x0FFF_FFFF),
        Some(c) if c & 0xF000_0000 == HANDLER_FAILED => format!("SetConsoleCtrlHandler failed with error {}", c & 0x0FFF_FFFF),
        Some(c) if c & 0xF000_0000 == GENERATE_FAILED => {
            format!("GenerateConsoleCtrlEvent failed with error {}", c & 0x0FFF_FFFF)
        }
        Some(c) => {
            // Not one of its own codes (a crash?): it may have sent first.
            tracing::warn!("console control event {event} to {pids:?}: the helper exited with {c:#x}; delivery unknown");
            return false;
        }
    };
    tracing::warn!("console control event {event} to {pids:?} not delivered: {step}");
    true
}

unsafe extern "system" fn ignore_event(_ctrl: u32) -> BOOL {
    1
}

/// The helper process: `ctrl:EVENT:PID,PID,...`. Returns its exit code.
pub fn helper_main(arg: &str) -> i32 {
    let Some((event, pids)) = arg.strip_prefix(HELPER_PREFIX).and_then(|r| r.split_once(':')) else {
        return BAD_ARGS as i32;
    };
    let Ok(event) = event.parse::<u32>() else { return BAD_ARGS as i32 };
    let pids: Vec<u32> = pids.split(',').filter_map(|p| p.parse().ok()).collect();
    if pids.is_empty() || !matches!(event, CTRL_C_EVENT | CTRL_BREAK_EVENT) {
        return BAD_ARGS as i32;
    }
    // SAFETY: plain console calls on this process's own console state.
    unsafe {
        FreeConsole();
        // Any member will do: they share the tree's console. The root may
        // already be gone while its descendants still run.
        let mut attached = false;
        let mut err = 0;
        for &pid in &pids {
            if AttachConsole(pid) != 0 {
                attached = true;
                break;
            }
            err = GetLastError();
        }
        if !attached {
            return (ATTACH_FAILED | (err & 0x0FFF_FFFF)) as i32;
        }
        // The event goes to every process on the console, this one too.
        if SetConsoleCtrlHandler(Some(ignore_event), 1) == 0 {
            return (HANDLER_FAILED | (GetLastError() & 0x0FFF_FFFF)) as i32;
        }
        if GenerateConsoleCtrlEvent(event, 0) == 0 {
            return (GENERATE_FAILED | (GetLastError() & 0x0FFF_FFFF)) as i32;
        }
        // Delivery is asynchronous: stay attached until it has started, so
        // the console still exists when it runs.
        std::thread::sleep(Duration::from_millis(100));
        FreeConsole();
    }
    0
}

/// Makes the sidecar itself ignore Ctrl-C and Ctrl-Break from the console it
/// may share with its host (the host going away is seen as stdin EOF), and
/// clears an inherited "ignore Ctrl-C" flag so children inherit it cleared:
/// otherwise SIGINT could never reach a child.
pub fn setup_sidecar() {
    // SAFETY: registers a handler that touches no state.
    unsafe {
        SetConsoleCtrlHandler(None, 0);
        SetConsoleCtrlHandler(Some(ignore_break_and_c), 1);
    }
}

unsafe extern "system" fn ignore_break_and_c(ctrl: u32) -> BOOL {
    BOOL::from(ctrl == CTRL_C_EVENT || ctrl == CTRL_BREAK_EVENT)
}
