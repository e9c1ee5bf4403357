//! Cleanup after the sidecar's own death (Linux). At start the sidecar forks
//! a tiny watchdog (this binary, `--watchdog PID [CGROUP_DIR]`) in its own
//! session, holding the read end of a pipe whose only write end is the
//! sidecar's (close-on-exec, so no child inherits it). However the sidecar
//! dies, even by SIGKILL or the OOM killer, the kernel closes that write end;
//! the watchdog reads EOF and kills what is left: with cgroups, every tree
//! cgroup at once (`cgroup.kill`); without, every process still tagged with
//! the sidecar's environment marker. Parent-death signals alone reach only
//! the roots.

use std::fs;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use super::{kill, procfs};

/// Started by the sidecar; the returned fd must live as long as the sidecar.
/// The pid is returned too, so that `terminate` can refuse to signal it.
pub fn start(cgroup: Option<&Path>) -> std::io::Result<(OwnedFd, u32)> {
    let (read_end, write_end) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.arg("--watchdog").arg(std::process::id().to_string());
    if let Some(dir) = cgroup {
        cmd.arg(dir);
    }
    cmd.stdin(Stdio::from(read_end)).stdout(Stdio::null()).stderr(Stdio::null());
    // SAFETY: setsid is async-signal-safe. Its own session keeps a group
    // kill aimed at the sidecar's group from taking the watchdog too.
    unsafe {
        use std::os::unix::process::CommandExt;
        cmd.pre_exec(|| nix::unistd::setsid().map(|_| ()).map_err(std::io::Error::from));
    }
    let child = cmd.spawn()?;
    Ok((write_end, child.id()))
}

/// The watchdog process: wait for EOF, then kill what the sidecar left.
pub fn run(args: Vec<String>) -> i32 {
    let Some(sidecar) = args.first().and_then(|p| p.parse::<u32>().ok()) else { return 2 };
    let cgroup = args.get(1).map(PathBuf::from);
    let mut buf = [0u8; 64];
    let mut stdin = std::io::stdin().lock();
    while !matches!(stdin.read(&mut buf), Ok(0) | Err(_)) {}
    if let Some(dir) = cgroup {
        kill_cgroups(&dir);
    } else {
        kill_marked(sidecar);
    }
    0
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
