//! Cleanup after the sidecar's own death (Linux). First thing at start, the
//! sidecar forks a tiny watchdog into its own session, holding the read end
//! of a pipe whose only write end is the sidecar's (close-on-exec, so no
//! child inherits it). However the sidecar dies, even by SIGKILL or the OOM
//! killer, the kernel closes that write end; the watchdog reads EOF and
//! kills what is left: with cgroups, every tree cgroup at once
//! (`cgroup.kill`); without, every process still tagged with the sidecar's
//! environment marker. Parent-death signals alone reach only the roots.
//!
//! Forked, not exec'd: a fork shares the binary's and libc's pages and
//! copies only what it writes, so the watchdog costs 0.78 MiB of RSS where a
//! fresh exec of this binary cost 2.4 to 2.7 MiB (docs/bench-linux.md). The price
//! is that it must be forked while the process has a single thread (before
//! the runtime), since the child then runs ordinary code (it allocates and
//! reads directories); `fork` checks that. The cgroup directory is not known
//! yet at that point: the sidecar writes it into the pipe once it has one.

use std::fs;
use std::io::{self, Read};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nix::fcntl::OFlag;
use nix::sys::signal::Signal;
use nix::unistd::ForkResult;

use super::{kill, procfs};

/// The watchdog's name (`/proc/<pid>/comm`, at most 15 bytes), so that `ps`
/// and tests can tell it from the sidecar whose command line it shares.
pub const COMM: &std::ffi::CStr = c"pawwork-wdog";

/// The most the watchdog keeps of what the sidecar writes (one cgroup path,
/// written at once, so at most PIPE_BUF).
const MAX_MESSAGE: usize = libc::PIPE_BUF;

/// The sidecar's end of the watchdog: dropping it (or dying) wakes the watchdog.
#[derive(Debug)]
pub struct Watchdog {
    pipe: OwnedFd,
    pid: u32,
}

impl Watchdog {
    /// Forks the watchdog. Refuses unless the process has exactly one thread:
    /// the child runs ordinary code, sound only after a single-threaded fork.
    pub fn fork() -> io::Result<Watchdog> {
        if thread_count()? != 1 {
            return Err(io::Error::other("the watchdog must be forked before any thread starts"));
        }
        let sidecar = std::process::id();
        let (read_end, write_end) = nix::unistd::pipe2(OFlag::O_CLOEXEC)?;
        // Closed by the child once it has its name and holds only its own
        // descriptors: then, not before, the sidecar goes on (and says hello).
        let (ready_r, ready_w) = nix::unistd::pipe2(OFlag::O_CLOEXEC)?;
        let devnull = nix::fcntl::open("/dev/null", OFlag::O_RDWR | OFlag::O_CLOEXEC, nix::sys::stat::Mode::empty()).ok();
        // SAFETY: the process is single-threaded (checked above), so the child
        // inherits no lock held by another thread and may run ordinary code.
        match unsafe { nix::unistd::fork() }? {
            ForkResult::Parent { child } => {
                drop((read_end, ready_w, devnull));
                let mut byte = [0u8; 1];
                // EOF (or the child's death) is the only thing this can read.
                while matches!(nix::unistd::read(&ready_r, &mut byte), Err(nix::errno::Errno::EINTR)) {}
                Ok(Watchdog { pipe: write_end, pid: child.as_raw() as u32 })
            }
            ForkResult::Child => {
                drop((write_end, ready_r));
                watch(read_end, devnull, sidecar)
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Tells the watchdog the sidecar's cgroup subtree: at the sidecar's
    /// death it then kills every tree cgroup in it instead of looking for
    /// marked processes. One write of at most PIPE_BUF bytes: atomic.
    pub fn arm(&self, cgroup: &Path) -> io::Result<()> {
        let mut msg = cgroup.as_os_str().as_bytes().to_vec();
        msg.push(b'\n');
        if msg.len() > MAX_MESSAGE {
            return Err(io::Error::other("cgroup path too long for the watchdog"));
        }
        let written = nix::unistd::write(&self.pipe, &msg)?;
        if written != msg.len() {
            return Err(io::Error::other("short write to the watchdog"));
        }
        Ok(())
    }
}

fn thread_count() -> io::Result<usize> {
    Ok(fs::read_dir("/proc/self/task")?.count())
}

/// The watchdog's whole life, in the forked child.
fn watch(pipe: OwnedFd, devnull: Option<OwnedFd>, sidecar: u32) -> ! {
    // Its own session: a signal aimed at the sidecar's group or session
    // leaves it alone. Then hold nothing of the host's: its pipes must see
    // EOF when the sidecar dies (fd 0 becomes our pipe, 1 and 2 /dev/null,
    // everything else is closed).
    let _ = nix::unistd::setsid();
    // SAFETY: plain syscalls on descriptors this process owns; nothing else
    // runs in it, so closing descriptors behind std's back is harmless. The
    // close of every fd from 3 up also closes the readiness pipe the sidecar
    // waits on.
    unsafe {
        libc::prctl(libc::PR_SET_NAME, COMM.as_ptr() as libc::c_ulong, 0, 0, 0);
        libc::dup2(pipe.as_raw_fd(), 0);
        for fd in [1, 2] {
            match &devnull {
                Some(null) => libc::dup2(null.as_raw_fd(), fd),
                None => libc::close(fd),
            };
        }
        std::mem::forget(pipe);
        std::mem::forget(devnull);
    }
    super::os::close_inherited_fds();
    let message = read_to_eof();
    match message.strip_suffix(b"\n").filter(|m| !m.is_empty()) {
        Some(dir) => kill_cgroups(Path::new(std::ffi::OsStr::from_bytes(dir))),
        None => kill_marked(sidecar),
    }
    // SAFETY: ends this process without running the sidecar's exit handlers
    // or destructors, which belong to the parent.
    unsafe { libc::_exit(0) }
}

/// Everything the sidecar writes to fd 0 until its end closes. Bounded: more
/// than one message's worth is not the sidecar's doing and is dropped (the
/// marked processes are then what gets killed), but EOF is awaited all the
/// same: it, not the message, means the sidecar is gone.
fn read_to_eof() -> Vec<u8> {
    let mut stdin = io::stdin().lock();
    let mut message = Vec::new();
    let _ = (&mut stdin).take(MAX_MESSAGE as u64 + 1).read_to_end(&mut message);
    let _ = io::copy(&mut stdin, &mut io::sink());
    if message.len() > MAX_MESSAGE {
        message.clear();
    }
    message
}

fn kill_cgroups(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let children: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    for c in &children {
        let _ = fs::write(c.join("cgroup.kill"), "1");
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    for c in &children {
        while fs::read_to_string(c.join("cgroup.events")).is_ok_and(|t| t.contains("populated 1")) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        let _ = fs::remove_dir(c);
    }
    let _ = fs::remove_dir(dir);
}

/// Kills, through pidfds re-checked after pinning, every process tagged
/// `PAWWORK_SUPERVISOR_TREE=<sidecar>.*`; repeats until a pass finds none,
/// since a member may fork while we kill.
fn kill_marked(sidecar: u32) {
    let prefix = format!("{}={sidecar}.", procfs::MARKER_VAR).into_bytes();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        let marked: Vec<u32> =
            procfs::all().into_iter().filter(|p| !p.zombie && procfs::environ_has(p.pid, &prefix)).map(|p| p.pid).collect();
        if marked.is_empty() {
            return;
        }
        for pid in marked {
            kill::signal_pid(pid, Signal::SIGKILL, |p| procfs::environ_has(p, &prefix));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}
