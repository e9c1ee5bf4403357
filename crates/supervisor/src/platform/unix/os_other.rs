//! macOS and other non-Linux Unixes: what the kernel does not offer here is
//! stated, not emulated (see docs/reference/design.md, "Platforms").

pub const NSIG: i32 = 32;

/// `spawned.containment` here: the process group alone (no subreaper; the
/// marker is set, but nothing ends marked processes after the sidecar).
pub const MARKED_CONTAINMENT: &str = "process_group";

/// No parent-death signal outside Linux: a sidecar killed by SIGKILL leaves
/// its trees running there; stdin EOF from a dying host is still handled.
pub fn die_with_parent(_parent: i32) -> std::io::Result<()> {
    Ok(())
}

pub fn mark_inherited_fds_cloexec() {
    super::os_common::cloexec_loop();
}

/// A pipe, both ends close-on-exec. macOS has no `pipe2`, so the flag is set
/// right after creation; nothing else forks meanwhile (every spawn is made on
/// the runtime's one thread, this one).
pub fn cloexec_pipe() -> nix::Result<(std::os::fd::OwnedFd, std::os::fd::OwnedFd)> {
    let (r, w) = nix::unistd::pipe()?;
    set_cloexec(&r)?;
    set_cloexec(&w)?;
    Ok((r, w))
}

/// A connected pair of stream sockets, both close-on-exec (set after
/// creation, as for `cloexec_pipe`: macOS has no `SOCK_CLOEXEC`).
pub fn cloexec_socketpair() -> nix::Result<(std::os::fd::OwnedFd, std::os::fd::OwnedFd)> {
    use nix::sys::socket::{socketpair, AddressFamily, SockFlag, SockType};
    let (a, b) = socketpair(AddressFamily::Unix, SockType::Stream, None, SockFlag::empty())?;
    set_cloexec(&a)?;
    set_cloexec(&b)?;
    Ok((a, b))
}

fn set_cloexec(fd: &std::os::fd::OwnedFd) -> nix::Result<()> {
    use nix::fcntl::{fcntl, FcntlArg, FdFlag};
    fcntl(fd, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC)).map(drop)
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
/// cgroups, neither of which exists here. The type has no value.
#[derive(Debug)]
pub enum Watchdog {}

impl Watchdog {
    pub fn pid(&self) -> u32 {
        match *self {}
    }

    pub fn arm(&self, _cgroup: &std::path::Path) -> std::io::Result<()> {
        match *self {}
    }
}

pub fn start_watchdog() -> Option<Watchdog> {
    None
}

/// Never constructed: there is no watchdog to keep.
pub enum Keeper {}

impl Keeper {
    pub fn start(dog: Watchdog, _cgroup: Option<std::path::PathBuf>) -> Keeper {
        match dog {}
    }

    pub fn pid(&self) -> u32 {
        match *self {}
    }

    pub fn expect_marked(&self) {
        match *self {}
    }

    pub fn failed(&mut self) -> Option<tokio::sync::oneshot::Receiver<String>> {
        match *self {}
    }
}

/// No watchdog is started by flag here.
pub fn watchdog_main(_args: &[String]) -> i32 {
    2
}
