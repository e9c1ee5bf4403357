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
//! fresh exec of this binary cost 2.4 to 2.7 MiB (docs/results/bench-linux.md). The price
//! is that it must be forked while the process has a single thread (before
//! the runtime), since the child then runs ordinary code (it allocates and
//! reads directories); `fork` checks that. The cgroup directory is not known
//! yet at that point: the sidecar writes it into the pipe once it has one.
//!
//! The watch goes both ways: the watchdog holds the only write end of a
//! second pipe, whose read end the sidecar watches. Should the watchdog die
//! first, the sidecar reads EOF and starts another at once, by exec this
//! time (the process has threads by then, so a fork could not run ordinary
//! code): a second death in a row, of the sidecar, still ends every tree.
//! Only if no watchdog can be started does the sidecar end every tree
//! itself and exit (`Keeper::failed`).

use std::fs;
use std::io::{self, Read};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nix::fcntl::OFlag;
use nix::sys::signal::Signal;
use nix::unistd::ForkResult;
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;
use tokio::sync::oneshot;

use super::{kill, procfs};

/// The watchdog's name (`/proc/<pid>/comm`, at most 15 bytes), so that `ps`
/// and tests can tell it from the sidecar whose command line it shares.
pub const COMM: &std::ffi::CStr = c"pawwork-wdog";

/// The most the watchdog keeps of what the sidecar writes: one cgroup path
/// and `marked`, each written at once, so each at most PIPE_BUF.
const MAX_WRITE: usize = libc::PIPE_BUF;
const MAX_MESSAGE: usize = 2 * MAX_WRITE;

/// The line that says some tree carries the marker.
const MARKED: &[u8] = b"marked\n";

/// The argument after `--watchdog` that starts a replacement watchdog by
/// exec: `unix:<sidecar pid>`, its pipes on fds 0 and 1 (see `respawn`).
const EXEC_ARG: &str = "unix:";

/// The sidecar's end of the watchdog: dropping it (or dying) wakes the watchdog.
#[derive(Debug)]
pub struct Watchdog {
    pipe: OwnedFd,
    pid: u32,
    /// The read end of the pipe only the watchdog writes to (never does):
    /// EOF here means the watchdog is gone.
    life: OwnedFd,
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
        let (life, life_end) = nix::unistd::pipe2(OFlag::O_CLOEXEC | OFlag::O_NONBLOCK)?;
        // Closed by the child once it has its name and holds only its own
        // descriptors: then, not before, the sidecar goes on (and says hello).
        let (ready_r, ready_w) = nix::unistd::pipe2(OFlag::O_CLOEXEC)?;
        let devnull = nix::fcntl::open("/dev/null", OFlag::O_RDWR | OFlag::O_CLOEXEC, nix::sys::stat::Mode::empty()).ok();
        // SAFETY: the process is single-threaded (checked above), so the child
        // inherits no lock held by another thread and may run ordinary code.
        match unsafe { nix::unistd::fork() }? {
            ForkResult::Parent { child } => {
                drop((read_end, ready_w, devnull, life_end));
                let mut byte = [0u8; 1];
                // EOF (or the child's death) is the only thing this can read.
                while matches!(nix::unistd::read(&ready_r, &mut byte), Err(nix::errno::Errno::EINTR)) {}
                Ok(Watchdog { pipe: write_end, pid: child.as_raw() as u32, life })
            }
            ForkResult::Child => {
                drop((write_end, ready_r, life));
                // SAFETY: plain syscalls on descriptors this process owns;
                // nothing else runs in it. Fd 0 becomes the sidecar's pipe,
                // 1 the life pipe, 2 /dev/null (closed without one).
                unsafe {
                    libc::dup2(read_end.as_raw_fd(), 0);
                    libc::dup2(life_end.as_raw_fd(), 1);
                    match &devnull {
                        Some(null) => libc::dup2(null.as_raw_fd(), 2),
                        None => libc::close(2),
                    };
                }
                drop((read_end, life_end, devnull));
                watch(sidecar)
            }
        }
    }

    /// Starts a watchdog for this sidecar from a process that may have
    /// threads: the binary again (`/proc/self/exe`, which still names it if
    /// it was replaced on disk), with `--watchdog unix:<pid>`, the pipes on
    /// its fds 0 and 1 and /dev/null on 2, armed with `cgroup` if given.
    pub fn respawn(cgroup: Option<&Path>) -> io::Result<Watchdog> {
        let (read_end, write_end) = nix::unistd::pipe2(OFlag::O_CLOEXEC)?;
        let (life, life_end) = nix::unistd::pipe2(OFlag::O_CLOEXEC | OFlag::O_NONBLOCK)?;
        // The child's end must block, as the forked watchdog's does.
        nix::fcntl::fcntl(&life_end, nix::fcntl::FcntlArg::F_SETFL(OFlag::empty()))?;
        let child = std::process::Command::new("/proc/self/exe")
            .arg("--watchdog")
            .arg(format!("{EXEC_ARG}{}", std::process::id()))
            .stdin(std::process::Stdio::from(read_end))
            .stdout(std::process::Stdio::from(life_end))
            .stderr(std::process::Stdio::null())
            .spawn()?;
        // Never waited for here: it outlives us, and the reaper reaps it
        // should it die first.
        let dog = Watchdog { pipe: write_end, pid: child.id(), life };
        if let Some(dir) = cgroup {
            dog.arm(dir)?;
        }
        Ok(dog)
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Tells the watchdog the sidecar's cgroup subtree: at the sidecar's
    /// death it then kills every tree cgroup in it instead of looking for
    /// marked processes.
    pub fn arm(&self, cgroup: &Path) -> io::Result<()> {
        let mut msg = cgroup.as_os_str().as_bytes().to_vec();
        msg.push(b'\n');
        self.tell(&msg)
    }

    /// Tells an armed watchdog that some tree carries the environment
    /// marker (its cgroup could not be created): it then looks for marked
    /// processes too.
    pub fn expect_marked(&self) -> io::Result<()> {
        self.tell(MARKED)
    }

    /// One write of at most PIPE_BUF bytes: atomic, and within what the
    /// watchdog keeps.
    fn tell(&self, msg: &[u8]) -> io::Result<()> {
        if msg.len() > MAX_WRITE {
            return Err(io::Error::other("message too long for the watchdog"));
        }
        let written = nix::unistd::write(&self.pipe, msg)?;
        if written != msg.len() {
            return Err(io::Error::other("short write to the watchdog"));
        }
        Ok(())
    }

    /// The life pipe's read end, registered with the reactor: readable at
    /// EOF, once the watchdog is gone.
    fn life_watch(&self) -> io::Result<AsyncFd<OwnedFd>> {
        // SAFETY: an OwnedFd owns its descriptor, which stays open and the
        // same until the AsyncFd (its owner) is dropped.
        unsafe { AsyncFd::register_with_interest(self.life.try_clone()?, Interest::READABLE) }.map_err(|e| e.into_parts().1)
    }
}

/// Resolves at EOF on a life pipe: its watchdog is gone.
async fn eof(life: &AsyncFd<OwnedFd>) -> io::Result<()> {
    let mut buf = [0u8; 64];
    loop {
        let mut ready = life.readable().await?;
        match nix::unistd::read(life.get_ref(), &mut buf) {
            Ok(0) => return Ok(()),
            Err(nix::errno::Errno::EAGAIN) => ready.clear_ready(),
            Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(e.into()),
            // A watchdog never writes; whatever came is read past.
            Ok(_) => {}
        }
    }
}

/// Keeps a watchdog beside the sidecar for its whole life: started inside
/// the runtime with the forked one, it replaces each watchdog that dies.
pub struct Keeper {
    shared: Arc<Kept>,
    failed: Option<oneshot::Receiver<String>>,
}

struct Kept {
    dog: Mutex<Watchdog>,
    cgroup: Option<PathBuf>,
    /// Some tree carries the marker: a replacement is told so too.
    marked: AtomicBool,
}

/// A replacement that dies within this long of its start counts as a quick
/// death; `QUICK_DEATHS` of them in a row mean no watchdog can be kept.
const QUICK: Duration = Duration::from_secs(1);
const QUICK_DEATHS: u32 = 3;

impl Keeper {
    /// Arms `dog` with the cgroup subtree (if any) and starts watching it.
    pub fn start(dog: Watchdog, cgroup: Option<PathBuf>) -> Keeper {
        if let Some(dir) = &cgroup {
            // Unarmed, it would look for marked processes, and cgroup trees carry no marker.
            if let Err(e) = dog.arm(dir) {
                tracing::warn!("the watchdog does not know the cgroup subtree; trees may outlive a killed sidecar: {e}");
            }
        }
        let shared = Arc::new(Kept { dog: Mutex::new(dog), cgroup, marked: AtomicBool::new(false) });
        let (failed_tx, failed) = oneshot::channel();
        tokio::spawn(keep(shared.clone(), failed_tx));
        Keeper { shared, failed: Some(failed) }
    }

    /// The current watchdog's pid (`terminate` never signals it).
    pub fn pid(&self) -> u32 {
        self.shared.dog.lock().unwrap_or_else(|p| p.into_inner()).pid
    }

    /// Some tree carries the marker: the watchdog must look for marked
    /// processes too when the sidecar dies. Told once.
    pub fn expect_marked(&self) {
        if self.shared.marked.swap(true, Ordering::Relaxed) {
            return;
        }
        let dog = self.shared.dog.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = dog.expect_marked() {
            tracing::warn!("the watchdog was not told of a tree without a cgroup: {e}");
        }
    }

    /// Hears once, with the reason, if no watchdog could be kept: then the
    /// sidecar itself must end every tree and exit.
    pub fn failed(&mut self) -> Option<oneshot::Receiver<String>> {
        self.failed.take()
    }
}

async fn keep(shared: Arc<Kept>, failed: oneshot::Sender<String>) {
    let mut quick_deaths = 0;
    loop {
        let (life, started) = {
            let dog = shared.dog.lock().unwrap_or_else(|p| p.into_inner());
            (dog.life_watch(), Instant::now())
        };
        let gone = match life {
            Ok(life) => eof(&life).await,
            Err(e) => Err(e),
        };
        if let Err(e) = gone {
            tracing::warn!("cannot watch the watchdog any more ({e}); it is not replaced should it die");
            return;
        }
        quick_deaths = if started.elapsed() < QUICK { quick_deaths + 1 } else { 0 };
        // Held while replacing, so a tree marked meanwhile is told to the new one.
        let mut dog = shared.dog.lock().unwrap_or_else(|p| p.into_inner());
        let old = dog.pid;
        let replaced = if quick_deaths >= QUICK_DEATHS {
            Err(io::Error::other(format!("{QUICK_DEATHS} watchdogs in a row died within {QUICK:?} of their start")))
        } else {
            Watchdog::respawn(shared.cgroup.as_deref())
        };
        match replaced.and_then(|new| {
            if shared.marked.load(Ordering::Relaxed) {
                new.expect_marked()?;
            }
            Ok(new)
        }) {
            Ok(new) => {
                tracing::warn!("the watchdog (pid {old}) died; pid {} watches the trees now", new.pid);
                *dog = new;
            }
            Err(e) => {
                let _ = failed.send(format!("the watchdog (pid {old}) died and no other could be started: {e}"));
                return;
            }
        }
    }
}

fn thread_count() -> io::Result<usize> {
    Ok(fs::read_dir("/proc/self/task")?.count())
}

/// `--watchdog unix:<sidecar pid>`: a replacement started by `respawn`,
/// its pipes already on fds 0 and 1. Anything else is a usage error.
pub fn exec_main(args: &[String]) -> i32 {
    match args.first().and_then(|a| a.strip_prefix(EXEC_ARG)).and_then(|p| p.parse::<u32>().ok()) {
        Some(sidecar) if sidecar > 1 => watch(sidecar),
        _ => 2,
    }
}

/// The watchdog's whole life, in the forked child or the exec'd binary, with
/// the sidecar's pipe on fd 0 and the life pipe on fd 1.
fn watch(sidecar: u32) -> ! {
    // Its own session: a signal aimed at the sidecar's group or session
    // leaves it alone. It holds nothing of the host's: its pipes must see
    // EOF when the sidecar dies (everything above fd 2 is closed).
    let _ = nix::unistd::setsid();
    // SAFETY: plain syscalls; nothing else runs in this process, so closing
    // descriptors behind std's back is harmless. The close of every fd from
    // 3 up also closes the readiness pipe the sidecar waits on.
    unsafe {
        libc::prctl(libc::PR_SET_NAME, COMM.as_ptr() as libc::c_ulong, 0, 0, 0);
    }
    super::os::close_inherited_fds();
    let message = read_to_eof();
    // One line per thing to end: the cgroup subtree (an absolute path), and
    // `marked` once some tree carries the marker instead (its cgroup could
    // not be created). Nothing at all: no cgroups, every tree is marked.
    let lines: Vec<&[u8]> = message.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    for line in &lines {
        if line.starts_with(b"/") {
            kill_cgroups(Path::new(std::ffi::OsStr::from_bytes(line)));
        }
    }
    if lines.is_empty() || lines.contains(&&MARKED[..MARKED.len() - 1]) {
        kill_marked(sidecar);
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
    // Only a sidecar's own subtree: `--watchdog unix:PID` can be started by
    // anyone who can run the binary, with any path on its stdin.
    if !dir.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(super::cgroup::PREFIX)) {
        return;
    }
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
