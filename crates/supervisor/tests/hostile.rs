//! Hostile input against the real `pawwork-supervisor` binary: garbage
//! frames of every kind, huge and cut frames, the documented limits, and
//! what children and the network can see of the sidecar. Sizes are reduced
//! by default; `PAWWORK_FULL_LOAD=1` runs the full ones
//! (docs/load-and-hostile-input.md). Linux only: the checks read `/proc`.
#![cfg(target_os = "linux")]

// The shared client, report reader and /proc reader; the integration
// suite's harness on top, used as it is.
mod common;
#[allow(unused_imports)]
#[path = "it/harness/mod.rs"]
mod harness;

// Thousands of random bad frames, each answered with one error; bystanders intact.
#[path = "hostile/garbage.rs"]
mod garbage;
// Frames over the limits are streamed away, never buffered; cut frames at EOF.
#[path = "hostile/huge_and_cut.rs"]
mod huge_and_cut;
// max_header, max_payload and max_children: exact boundaries and their errors.
#[path = "hostile/limits.rs"]
mod limits;
// Children inherit no sidecar fd; the sidecar has no network socket; argv, no shell.
#[path = "hostile/security.rs"]
mod security;
