//! macOS and other non-Linux Unixes: what the kernel does not offer here is
//! stated, not emulated (see docs/design.md, "Platforms").

pub const NSIG: i32 = 32;

/// No parent-death signal outside Linux: a sidecar killed by SIGKILL leaves
/// its trees running there; stdin EOF from a dying host is still handled.
pub fn die_with_parent(_parent: i32) -> std::io::Result<()> {
    Ok(())
}

pub fn mark_inherited_fds_cloexec() {
    super::os_common::cloexec_loop();
}

/// No child subreaper outside Linux: orphans re-parent to launchd/init.
pub fn set_subreaper() -> bool {
    false
}

pub fn reset_disposition(sig: i32) {
    // SAFETY: signal() is async-signal-safe.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
    }
}

/// No watchdog outside Linux: it relies on the parent-death signal and on
/// cgroups, neither of which exists here.
pub fn start_watchdog(_cgroup: Option<&std::path::Path>) -> Option<(std::os::fd::OwnedFd, u32)> {
    None
}

/// `--watchdog` is a Linux helper; asked for here, it is a usage error.
pub fn watchdog_main(_args: Vec<String>) -> i32 {
    2
}
