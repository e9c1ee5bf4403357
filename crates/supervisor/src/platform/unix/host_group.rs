//! The host's process group, which the sidecar leaves at start and which
//! children that are not `detached` join.
//!
//! A sidecar started the ordinary way (Node's or Bun's spawn without
//! `detached`) is born in its host's process group, often a terminal's
//! foreground job: the SIGINT of a Ctrl-C, or a `kill` of the whole group,
//! reached it and it took that for "host gone", ending every tree. So it
//! moves into a group of its own, in the same session: signals meant for the
//! host's job pass it by, while a signal sent to its own pid keeps its
//! meaning, and the host's death is still seen as EOF on stdin. Staying in
//! the session is what lets a child that is not detached join the host's
//! group (`setpgid` only joins a group of the caller's session), so a
//! terminal's Ctrl-C reaches it as it reaches a child of Node's own spawn.

use std::sync::OnceLock;

use nix::sys::signal::{signal, SigHandler, Signal};
use nix::unistd::{getpgrp, getpid, setpgid, Pid};

static HOST_GROUP: OnceLock<Option<u32>> = OnceLock::new();

/// Leaves the group the sidecar was started in, remembering it as the host's.
/// Call first thing in `main`, so the window in which a signal to the host's
/// group still reaches the sidecar is as short as it can be. Nothing is left
/// when the sidecar already leads its group (started detached, or by a
/// shell's job control): then there is no host group to join either.
pub fn leave_host_group() {
    let group = getpgrp().as_raw();
    let host = if group != getpid().as_raw() && setpgid(Pid::from_raw(0), Pid::from_raw(0)).is_ok() {
        u32::try_from(group).ok()
    } else {
        None
    };
    let _ = HOST_GROUP.set(host);
    // In a background group of the host's terminal, a log line written to
    // that terminal would stop the sidecar (SIGTTOU, when the terminal has
    // `tostop` set). Ignoring the signal lets the write through; children
    // get default dispositions back before exec.
    // SAFETY: SIG_IGN installs no handler code.
    unsafe {
        let _ = signal(Signal::SIGTTOU, SigHandler::SigIgn);
        let _ = signal(Signal::SIGTTIN, SigHandler::SigIgn);
    }
}

/// The host's process group, if the sidecar left one at start.
pub fn host_group() -> Option<u32> {
    HOST_GROUP.get().copied().flatten()
}
