//! Black-box integration tests for `pawwork-supervisor`.
//!
//! One test binary (ripgrep style): every module below is a behaviour, every
//! test in it a sentence. Each test starts its own sidecar (the real binary,
//! spoken to over the real protocol by the independent client in `common`)
//! and its own temp dir, so tests run in parallel and leave nothing behind.
//! Linux only: the leak checks read `/proc`.
#![cfg(target_os = "linux")]

// The shared client, fixture lookup, report reader, /proc reader and the
// suite's view of a sidecar with its leak checks (tests/common).
mod common;

// The behaviours, one file each in tests/integration/.
mod integration {
    // The leak checker itself catches a process left running on purpose.
    mod negative_control;
    // `hello` comes first, names protocol 1 and its limits.
    mod handshake;
    // The program is found and started as execvp would, on both spawn paths.
    mod exec_search;
    // `cancel` ends whole trees: deep, wide, orphaned, daemonised, growing.
    mod tree_kill;
    // `terminate` ends foreign trees (started outside the sidecar) and refuses
    // protected or supervised pids.
    mod foreign;
    // The ladder: first signal, grace, SIGKILL; stopped members; custom signal.
    mod ladder;
    // Output drains completely, or is cut at the drain deadline; leftovers.
    mod drain;
    // `leftovers: "keep"`: the exit at the drain deadline, the background
    // process left running until cancel, shutdown, EOF or the sidecar's death.
    mod leftovers;
    // Stdin writes arrive in order; close_stdin; the queue is bounded.
    mod stdin_pipe;
    // Descriptors beyond stdio: outputs, inputs, gaps, duplex, drain, credit.
    mod extra_fds;
    // `root_exited` at the root's exit, before the `exit`; the after-root grace.
    mod root_exit;
    // Cancel while stdin writes or unacked output are in flight.
    mod in_flight;
    // `signal` reaches every process of the tree.
    mod signal_forwarding;
    // Exit codes and signal deaths are reported as they happened.
    mod exit_status;
    // Stdin EOF and `shutdown` end every tree, then the sidecar exits 0.
    mod host_gone;
    // `ping` gets `pong` from the dispatch loop, during a shutdown too.
    mod liveness;
    // cwd, env and stream options reach the child.
    mod spawn_options;
    // Command lines and environments up to the kernel's limit run; beyond
    // it, E2BIG, as execve says.
    mod exec_limits;
    // Children start clean: only fds 0-2, no blocked or ignored signals.
    mod child_hygiene;
    // Broken frames are answered and skipped; the stream stays in sync.
    mod bad_frames;
    // Invalid requests get their stable error code and hurt no other child.
    mod bad_requests;
    // Hundreds of children through one sidecar, every byte intact.
    mod many_children;
    // Requests on finished children never signal anything else.
    mod safety;
    // Sidecar death and orphan reaping: nothing survives, no zombie piles up.
    mod containment;
    // No tree runs unwatched: a host that stops reading stdout, a watchdog
    // that dies before its sidecar.
    mod unwatched;
    // Sidecars side by side: a live neighbour's trees are left alone, a dead
    // one's leftovers removed.
    mod neighbours;
    // The spawn channel: hello, spawns answered there, even with stdout full.
    mod spawn_channel;
    // The sidecar leaves its host's process group; `detached: false` joins it.
    mod host_group;
}
