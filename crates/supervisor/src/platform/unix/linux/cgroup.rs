//! Linux cgroup v2 containment: every child tree gets a cgroup of its own.
//! A cgroup is the only tree boundary a process cannot leave by itself:
//! `setsid()`, double forks and re-parenting all stay inside, `cgroup.kill`
//! kills every member atomically (a fork storm cannot outrun it), and
//! `cgroup.events` says when the tree is empty. Used when a writable cgroup
//! v2 hierarchy is found at start; never required (see `tree.rs` fallback).

use std::fs::{self, File, OpenOptions};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nix::fcntl::{Flock, FlockArg};

pub(super) const PREFIX: &str = "pawwork-supervisor-";

/// `<our cgroup>/pawwork-supervisor-<pid>`, removed when the sidecar ends.
#[derive(Debug)]
pub struct CgroupRoot {
    dir: PathBuf,
    /// An exclusive `flock` on the directory, held for the sidecar's whole
    /// life: how a sidecar starting beside it tells this live subtree from
    /// the leftover of a dead one (`reap_stale`). The kernel drops it however
    /// the sidecar ends, SIGKILL included.
    _claim: Flock<File>,
}

/// The cgroup of one child tree.
#[derive(Debug)]
pub struct CgroupChild {
    dir: PathBuf,
    /// The directory itself, opened before the spawn: `clone3` creates the
    /// root inside the cgroup it names (`CLONE_INTO_CGROUP`, clone3.rs).
    dir_fd: OwnedFd,
}

impl CgroupRoot {
    /// Finds our own cgroup v2 directory and creates the sidecar's subtree in
    /// it. `None` when there is no cgroup v2 mount or it is not writable.
    pub fn detect() -> Option<CgroupRoot> {
        let mount = cgroup2_mount()?;
        let own = fs::read_to_string("/proc/self/cgroup").ok()?;
        let rel = own.lines().find_map(|l| l.strip_prefix("0::"))?.trim_start_matches('/');
        let parent = mount.join(rel);
        reap_stale(&parent);
        let dir = parent.join(format!("{PREFIX}{}", std::process::id()));
        let claim = match claim(&dir) {
            Ok(claim) => claim,
            Err(e) => {
                tracing::info!("no cgroup containment: cannot create and lock {}: {e}", dir.display());
                return None;
            }
        };
        // Prove the tree can actually be used (starting or moving a process
        // in needs write access to cgroup.procs): a child cgroup we can open.
        let root = CgroupRoot { dir, _claim: claim };
        match root.create_child("probe").and_then(|c| c.open_procs()) {
            Ok(_) => Some(root),
            Err(e) => {
                tracing::info!("no cgroup containment: {e}");
                None
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    pub fn create_child(&self, name: &str) -> std::io::Result<CgroupChild> {
        let dir = self.dir.join(name);
        fs::create_dir(&dir)?;
        let dir_fd = OpenOptions::new().read(true).custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC).open(&dir);
        match dir_fd {
            Ok(f) => Ok(CgroupChild { dir, dir_fd: f.into() }),
            Err(e) => {
                let _ = fs::remove_dir(&dir);
                Err(e)
            }
        }
    }
}

impl Drop for CgroupRoot {
    fn drop(&mut self) {
        // Every child cgroup is removed by its own Drop first; an rmdir that
        // fails here leaves an empty directory, which the next start reaps.
        let _ = fs::remove_dir(&self.dir);
    }
}

impl CgroupChild {
    /// For `CLONE_INTO_CGROUP`.
    pub fn dir_fd(&self) -> RawFd {
        self.dir_fd.as_raw_fd()
    }

    /// `cgroup.procs`, for the fork path (kernels without clone3), where the
    /// child joins with a single `write(2)` between fork and exec: opened
    /// before the fork, as nothing may be allocated there.
    pub fn open_procs(&self) -> std::io::Result<File> {
        OpenOptions::new().write(true).custom_flags(libc::O_CLOEXEC).open(self.dir.join("cgroup.procs"))
    }

    /// Live members (the kernel lists no zombies here).
    pub fn pids(&self) -> Vec<u32> {
        read_pids(&self.dir)
    }

    pub fn populated(&self) -> bool {
        populated(&self.dir)
    }

    /// Atomic SIGKILL of every member, including ones forked during the call.
    pub fn kill(&self) -> std::io::Result<()> {
        fs::write(self.dir.join("cgroup.kill"), "1")
    }

    /// Whether `pid` is (still) in this cgroup, read from the process side so
    /// it can be checked after a pidfd pins the process.
    pub fn contains(&self, pid: u32) -> bool {
        let Ok(text) = fs::read_to_string(format!("/proc/{pid}/cgroup")) else { return false };
        let Some(rel) = text.lines().find_map(|l| l.strip_prefix("0::")) else { return false };
        self.dir.to_string_lossy().ends_with(rel)
    }
}

impl Drop for CgroupChild {
    fn drop(&mut self) {
        if self.populated() {
            // Never leave a tree behind because its owner is going away.
            let _ = self.kill();
            let deadline = Instant::now() + Duration::from_secs(2);
            while self.populated() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        let _ = fs::remove_dir(&self.dir);
    }
}

fn read_pids(dir: &Path) -> Vec<u32> {
    fs::read_to_string(dir.join("cgroup.procs"))
        .map(|t| t.lines().filter_map(|l| l.trim().parse().ok()).collect())
        .unwrap_or_default()
}

fn populated(dir: &Path) -> bool {
    match fs::read_to_string(dir.join("cgroup.events")) {
        Ok(t) => t.lines().any(|l| l.trim() == "populated 1"),
        // A cgroup we cannot read is treated as populated: the caller must
        // not conclude that a tree is gone from an error.
        Err(_) => dir.exists(),
    }
}

fn open_dir(dir: &Path) -> std::io::Result<File> {
    OpenOptions::new().read(true).custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC).open(dir)
}

/// Creates (or takes over, after a dead sidecar of the same pid) our subtree
/// and locks it. Another sidecar starting at this very moment may find it
/// unlocked, judge it dead and remove it before our lock is taken: the lock
/// then sits on a removed directory, so it is checked to be on the one the
/// path names, and the claim is made again.
fn claim(dir: &Path) -> std::io::Result<Flock<File>> {
    for _ in 0..5 {
        match fs::create_dir(dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        // Blocking: a sidecar reaping this directory holds the lock only
        // while it removes it.
        let claim = Flock::lock(open_dir(dir)?, FlockArg::LockExclusive).map_err(|(_, e)| std::io::Error::from(e))?;
        let held = claim.metadata()?;
        if fs::metadata(dir).is_ok_and(|now| (now.dev(), now.ino()) == (held.dev(), held.ino())) {
            return Ok(claim);
        }
    }
    Err(std::io::Error::other("removed by another sidecar each time it was created"))
}

fn cgroup2_mount() -> Option<PathBuf> {
    let info = fs::read_to_string("/proc/self/mountinfo").ok()?;
    info.lines().find_map(|line| {
        let (pre, post) = line.split_once(" - ")?;
        if post.split_whitespace().next()? != "cgroup2" {
            return None;
        }
        Some(PathBuf::from(pre.split_whitespace().nth(4)?))
    })
}

/// A sidecar that was SIGKILLed could not remove its subtree; its trees may
/// still run. Kill and remove the subtrees of sidecars that no longer exist,
/// so a crash is at worst cleaned up by the next start.
///
/// A live sidecar holds the lock on its subtree (`CgroupRoot::_claim`), so
/// one that cannot be locked is left alone, whatever its owner is called:
/// judging by the process name alone, a sidecar installed under another name
/// had its running trees killed by the next sidecar to start beside it.
/// Sidecars from before the lock hold none, so the name is still checked.
fn reap_stale(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(PREFIX)).and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid == std::process::id() {
            continue;
        }
        let dir = entry.path();
        // Held by a live sidecar: not ours to touch. Ours (kept while this
        // one is reaped) once its owner is gone.
        let Some(lock) = open_dir(&dir).ok().and_then(|f| Flock::lock(f, FlockArg::LockExclusiveNonblock).ok()) else {
            continue;
        };
        if sidecar_alive(pid) {
            continue;
        }
        for child in fs::read_dir(&dir).into_iter().flatten().flatten() {
            if child.path().is_dir() {
                let _ = fs::write(child.path().join("cgroup.kill"), "1");
                let deadline = Instant::now() + Duration::from_secs(1);
                while populated(&child.path()) && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(2));
                }
                let _ = fs::remove_dir(child.path());
            }
        }
        if fs::remove_dir(&dir).is_ok() {
            tracing::warn!("removed the cgroup subtree of dead sidecar {pid}");
        }
        drop(lock);
    }
}

fn sidecar_alive(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|c| c.trim_end().starts_with("pawwork-supervi"))
        .unwrap_or(false)
}

/// Used by spawn: write "0" (the calling process) into `cgroup.procs`.
/// Async-signal-safe: one `write(2)` on an fd opened before fork.
pub fn join_from_pre_exec(fd: RawFd) -> std::io::Result<()> {
    let n = unsafe { libc::write(fd, b"0".as_ptr().cast(), 1) };
    if n == 1 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}
