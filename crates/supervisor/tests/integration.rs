//! Black-box integration tests for `pawwork-supervisor`.
//!
//! One test binary (ripgrep style): every module below is a behaviour, every
//! test in it a sentence. Each test starts its own sidecar (the real binary,
//! spoken to over the real protocol by the independent client in `harness`)
//! and its own temp dir, so tests run in parallel and leave nothing behind.
//! Linux only: the leak checks read `/proc`.
#![cfg(target_os = "linux")]

// The shared client, report reader and /proc reader (tests/common).
mod common;
// The suite's view of a sidecar, fixture lookup, leak checks.
#[path = "it/harness/mod.rs"]
mod harness;

// The leak checker itself catches a process left running on purpose.
#[path = "it/negative_control.rs"]
mod negative_control;
// `hello` comes first, names protocol 1 and its limits.
#[path = "it/handshake.rs"]
mod handshake;
// `cancel` ends whole trees: deep, wide, orphaned, daemonised, growing.
#[path = "it/tree_kill.rs"]
mod tree_kill;
// `terminate` ends foreign trees (started outside the sidecar) and refuses
// protected or supervised pids.
#[path = "it/foreign.rs"]
mod foreign;
// The ladder: first signal, grace, SIGKILL; stopped members; custom signal.
#[path = "it/ladder.rs"]
mod ladder;
// Output drains completely, or is cut at the drain deadline; leftovers.
#[path = "it/drain.rs"]
mod drain;
// `leftovers: "keep"`: the exit at the drain deadline, the background
// process left running until cancel, shutdown, EOF or the sidecar's death.
#[path = "it/leftovers.rs"]
mod leftovers;
// Stdin writes arrive in order; close_stdin; the queue is bounded.
#[path = "it/stdin_pipe.rs"]
mod stdin_pipe;
// Cancel while stdin writes or unacked output are in flight.
#[path = "it/in_flight.rs"]
mod in_flight;
// `signal` reaches every process of the tree.
#[path = "it/signal_forwarding.rs"]
mod signal_forwarding;
// Exit codes and signal deaths are reported as they happened.
#[path = "it/exit_status.rs"]
mod exit_status;
// Stdin EOF and `shutdown` end every tree, then the sidecar exits 0.
#[path = "it/host_gone.rs"]
mod host_gone;
// cwd, env and stream options reach the child.
#[path = "it/spawn_options.rs"]
mod spawn_options;
// Children start clean: only fds 0-2, no blocked or ignored signals.
#[path = "it/child_hygiene.rs"]
mod child_hygiene;
// Broken frames are answered and skipped; the stream stays in sync.
#[path = "it/bad_frames.rs"]
mod bad_frames;
// Invalid requests get their stable error code and hurt no other child.
#[path = "it/bad_requests.rs"]
mod bad_requests;
// Hundreds of children through one sidecar, every byte intact.
#[path = "it/many_children.rs"]
mod many_children;
// Requests on finished children never signal anything else.
#[path = "it/safety.rs"]
mod safety;
// Sidecar death and orphan reaping: nothing survives, no zombie piles up.
#[path = "it/containment.rs"]
mod containment;
