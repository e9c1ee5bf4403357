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

// The runner and its scenarios, in tests/windows_lifecycle/.
#[cfg(windows)]
mod windows_lifecycle {
    // Our view of a sidecar, on the shared client: waits that return errors.
    mod client;
    // Process checks in the Windows view, and the host's view under Wine.
    mod procs;
    // The context shared by the scenarios, and the verdicts.
    mod runner;
    mod scenarios_console;
    mod scenarios_foreign;
    mod scenarios_io;
    mod scenarios_tree;

    pub use crate::common::report::{Proc, Report};
    pub use client::Sidecar;
    pub use procs::Host;
    pub use runner::{expect, run, Ctx, Outcome, Verdict, T};
}

fn main() {
    #[cfg(windows)]
    std::process::exit(windows_lifecycle::run());
    #[cfg(not(windows))]
    println!("windows_lifecycle: not run (Windows binaries only; see scripts/windows-cross.sh)");
}
