//! Cleanup after the sidecar's own death (Linux, with cgroups). At start the
//! sidecar forks a tiny watchdog (this binary, `--watchdog DIR`) in its own
//! session, holding the read end of a pipe whose only write end is the
//! sidecar's (close-on-exec, so no child inherits it). However the sidecar
//! dies, even by SIGKILL or the OOM killer, the kernel closes that write end;
//! the watchdog reads EOF and kills every tree cgroup under DIR at once with
//! `cgroup.kill`. Parent-death signals alone reach only the roots; the
//! cgroup reaches every descendant, daemons included.

use std::fs;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Started by the sidecar; the returned fd must live as long as the sidecar.
pub fn start(dir: &Path) -> std::io::Result<OwnedFd> {
    let (read_end, write_end) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    let exe = std::env::current_exe()?;
    let mut cmd = Command::new(exe);
    cmd.arg("--watchdog").arg(dir).stdin(Stdio::from(read_end)).stdout(Stdio::null()).stderr(Stdio::null());
    // SAFETY: setsid is async-signal-safe. Its own session keeps a group
    // kill aimed at the sidecar's group from taking the watchdog too.
    unsafe {
        use std::os::unix::process::CommandExt;
        cmd.pre_exec(|| nix::unistd::setsid().map(|_| ()).map_err(std::io::Error::from));
    }
    cmd.spawn()?;
    Ok(write_end)
}

/// The watchdog process: wait for EOF, then kill what the sidecar left.
pub fn run(dir: PathBuf) -> i32 {
    let mut buf = [0u8; 64];
    let mut stdin = std::io::stdin().lock();
    while !matches!(stdin.read(&mut buf), Ok(0) | Err(_)) {}
    let Ok(entries) = fs::read_dir(&dir) else { return 0 };
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
    let _ = fs::remove_dir(&dir);
    0
}
