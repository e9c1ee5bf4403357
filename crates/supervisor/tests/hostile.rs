//! Hostile input against the real `pawwork-supervisor` binary: garbage
//! frames of every kind, huge and cut frames, the documented limits, and
//! what children and the network can see of the sidecar. Sizes are reduced
//! by default; `PAWWORK_FULL_LOAD=1` runs the full ones
//! (docs/reference/load-and-hostile-input.md). Linux only: the checks read `/proc`.
#![cfg(target_os = "linux")]

// The shared client, report reader, /proc reader and the integration
// suite's harness on top, used as it is (tests/common).
mod common;

// The cases, one file each in tests/hostile/.
mod hostile {
    // Thousands of random bad frames, each answered with one error; bystanders intact.
    mod garbage;
    // Frames over the limits are streamed away, never buffered; cut frames at EOF.
    mod huge_and_cut;
    // max_header, max_payload and max_children: exact boundaries and their errors.
    mod limits;
    // Children inherit no sidecar fd; the sidecar has no network socket; argv, no shell.
    mod security;
}
