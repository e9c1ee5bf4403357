//! Lifecycle tests of the Windows backend, against the real Windows binaries
//! (run under Wine by `scripts/windows-cross.sh`). Own harness (no libtest):
//! each scenario ends as passed, failed, or "not run" with the reason, and a
//! scenario is "not run" only where the environment (Wine) cannot do what it
//! checks (console control events), never to hide a failure.
//!
//! Leaks are checked in the Windows view (OpenProcess on every reported pid,
//! with its start time, and the job's own accounting through `exit`), and
//! cross-checked in the host's process list when running under Wine.

// The shared client and report reader (tests/common).
#[cfg(windows)]
mod common;
#[cfg(windows)]
#[path = "windows_lifecycle/mod.rs"]
mod lifecycle;

fn main() {
    #[cfg(windows)]
    std::process::exit(lifecycle::run());
    #[cfg(not(windows))]
    println!("windows_lifecycle: not run (Windows binaries only; see scripts/windows-cross.sh)");
}
