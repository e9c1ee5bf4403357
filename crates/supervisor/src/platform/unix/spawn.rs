//! Starting a child with std's `Command` (fork, then exec): the path on
//! macOS and on Linux kernels without a usable `clone3` (clone3.rs is the
//! Linux path). Between fork and exec the child runs only async-signal-safe
//! calls (no allocation, no locks, no logging): everything it needs is
//! computed or opened before the fork.

use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::process::{Command, Stdio};

use super::cgroup::{self, CgroupChild};
use super::extra_fds::{self, Ours};
use crate::platform::{self, Env, FdDir, SpawnError, SpawnSpec};

pub struct Started {
    pub pid: u32,
    pub stdin: Option<OwnedFd>,
    pub stdout: Option<OwnedFd>,
    pub stderr: Option<OwnedFd>,
    /// The sidecar's ends of `spec.extra`, in its order.
    pub extra: Vec<(u32, FdDir, Ours)>,
}

/// `marker`: the tree's environment tag when no cgroup contains it.
/// `join`: the host's process group for a child that is not detached (0:
/// a session of its own).
pub fn start(spec: &SpawnSpec<'_>, cgroup: Option<&CgroupChild>, marker: Option<&str>, join: i32) -> Result<Started, SpawnError> {
    let mut cmd = Command::new(&spec.argv[0]);
    cmd.args(&spec.argv[1..]);
    if let Some(cwd) = &spec.cwd {
        cmd.current_dir(cwd);
    }
    match spec.env {
        Env::Inherit => {}
        Env::Merge(vars) => {
            for (k, v) in vars {
                match v {
                    Some(v) => cmd.env(k, v),
                    None => cmd.env_remove(k),
                };
            }
        }
        Env::Replace(vars) => {
            cmd.env_clear().envs(vars);
        }
    }
    if let Some(m) = marker {
        cmd.env(super::procfs::MARKER_VAR, m);
    }
    cmd.stdin(stdio(spec.stdin)).stdout(stdio(spec.stdout)).stderr(stdio(spec.stderr));

    let extra = extra_fds::prepare(spec.extra).map_err(|e| os_error("cannot open the extra descriptors", &e.into()))?;
    // Held until the spawn returns, so std's exec-error pipe is not given a
    // number the child's installation would replace (extra_fds.rs).
    let reserved = extra_fds::reserve_targets(spec.extra).map_err(|e| os_error("cannot reserve descriptor numbers", &e.into()))?;
    let map = extra.map.clone();

    // Open until the spawn returns: the child writes to it before exec.
    let procs = cgroup.map(|c| c.open_procs()).transpose().map_err(|e| os_error("cannot open the child's cgroup.procs", &e))?;
    let procs_fd: RawFd = procs.as_ref().map_or(-1, |f| f.as_raw_fd());
    let parent = nix::unistd::getpid().as_raw();
    // SAFETY: the closure only makes async-signal-safe calls on values
    // captured by copy; see `child_setup`.
    unsafe {
        use std::os::unix::process::CommandExt;
        cmd.pre_exec(move || {
            child_setup(procs_fd, parent, join)?;
            extra_fds::install(&map).map_err(std::io::Error::from_raw_os_error)
        });
    }
    let spawned = cmd.spawn();
    drop(reserved);
    let extra_fds::Prepared { child_ends, ours, .. } = extra;
    // Our copies of the child's ends must close, or EOF never comes.
    drop(child_ends);
    let mut child = spawned.map_err(|e| os_error(format_args!("cannot start {:?}", spec.argv[0]), &e))?;
    // std's Child neither kills nor reaps on drop: the tree owns reaping
    // (exactly once, after the group is no longer signalled).
    Ok(Started {
        pid: child.id(),
        stdin: child.stdin.take().map(OwnedFd::from),
        stdout: child.stdout.take().map(OwnedFd::from),
        stderr: child.stderr.take().map(OwnedFd::from),
        extra: ours,
    })
}

/// A spawn that failed on an OS error: the errno's name for the client, the
/// error itself in the message. Both spawn paths and the cgroup set-up use it,
/// so the same failure reads the same whichever path met it.
pub(super) fn os_error(what: impl std::fmt::Display, e: &std::io::Error) -> SpawnError {
    SpawnError { errno: super::errno_name(e), message: format!("{what}: {e}") }
}

fn stdio(mode: platform::Stdio) -> Stdio {
    match mode {
        platform::Stdio::Pipe => Stdio::piped(),
        platform::Stdio::Null => Stdio::null(),
    }
}

/// Runs in the child between fork and exec, on both paths.
/// 1. Own session and process group, so the tree can be signalled as one
///    and a terminal's job control never reaches it by accident; or, for a
///    child that is not detached (`join` > 0), the host's process group, so
///    a terminal's Ctrl-C reaches it as it reaches a child of Node's spawn
///    (host_group.rs). Should that group be gone, its own session after all:
///    the tree reads the group it got after the spawn.
/// 2. Join the tree's cgroup before exec, so no instruction of the child runs
///    outside it (`-1` when the child was created inside it, or has none).
/// 3. Die with the sidecar (Linux parent-death signal; see linux/os.rs).
/// 4. Default dispositions and an empty mask: ignored signals survive exec,
///    and a child that inherits an ignored SIGTERM cannot be cancelled kindly.
/// 5. No inherited descriptors beyond stdio.
pub(super) fn child_setup(cgroup_procs_fd: RawFd, parent: i32, join: i32) -> std::io::Result<()> {
    let joined = join > 1 && nix::unistd::setpgid(nix::unistd::Pid::from_raw(0), nix::unistd::Pid::from_raw(join)).is_ok();
    if !joined {
        nix::unistd::setsid().map_err(std::io::Error::from)?;
    }
    if cgroup_procs_fd >= 0 {
        cgroup::join_from_pre_exec(cgroup_procs_fd)?;
    }
    super::os::die_with_parent(parent)?;
    // SAFETY: sigaction/sigprocmask are async-signal-safe; errors for the
    // signals that cannot be changed (KILL, STOP, libc-reserved) are ignored.
    unsafe {
        for sig in 1..super::os::NSIG {
            if sig != libc::SIGKILL && sig != libc::SIGSTOP {
                super::os::reset_disposition(sig);
            }
        }
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigprocmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
    }
    super::os::mark_inherited_fds_cloexec();
    Ok(())
}
