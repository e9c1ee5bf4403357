//! Linux: starting a child with `clone3(2)`, straight into its tree's cgroup
//! (`CLONE_INTO_CGROUP`, Linux 5.7+).
//!
//! Why not std's `Command`: its child can join a cgroup only by writing its
//! pid to `cgroup.procs` before exec. That is a migration, which takes the
//! kernel's cgroup threadgroup lock for writing and can wait for an RCU
//! grace period: it was the spawn round trip's p99 (docs/results/bench-linux.md). A
//! process created inside its cgroup is never migrated. std cannot pass
//! clone3 flags, so on Linux this file owns the fork/exec path; spawn.rs
//! (std) remains for kernels or sandboxes without clone3 (a seccomp filter
//! commonly answers ENOSYS) and for `PAWWORK_SUPERVISOR_NO_CLONE3=1`.
//!
//! What std did for us is done here, with the same results: pipes and the
//! null device as stdio, the working directory, the environment, execvp's
//! PATH search (the child's PATH, tried in order, EACCES remembered, a
//! script without `#!` run by /bin/sh), and an exec failure reported
//! through a close-on-exec pipe. The child's own hygiene (session, signals,
//! descriptors, parent-death signal) is spawn.rs's `child_setup`, shared by
//! both paths. Everything the child needs is built before the clone: the
//! sidecar has other threads, and without glibc's fork handlers an
//! allocation in the child could wait forever on a lock one of them held.

use std::collections::BTreeMap;
use std::ffi::{CStr, CString, OsStr, OsString};
use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use nix::errno::Errno;
use nix::fcntl::OFlag;

use super::cgroup::CgroupChild;
use super::extra_fds;
use super::spawn::{child_setup, os_error, Started};
use crate::platform::{self, Env, SpawnError, SpawnSpec};

/// The kernel's `struct clone_args` up to `cgroup` (CLONE_ARGS_SIZE_VER2,
/// 88 bytes): the same layout on every architecture.
#[repr(C)]
#[derive(Default)]
struct CloneArgs {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
    set_tid: u64,
    set_tid_size: u64,
    cgroup: u64,
}

const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;
/// glibc's default search path (`confstr(_CS_PATH)`) when PATH is unset.
const DEFAULT_PATH: &[u8] = b"/bin:/usr/bin";
const SHELL: &CStr = c"/bin/sh";

/// Whether to use this path: clone3 exists and is not filtered, and nobody
/// asked for the fork path. A clone3 call with a zero size is refused with
/// EINVAL by a kernel that has it, and ENOSYS where it is missing or a
/// seccomp filter hides it; it creates nothing either way.
pub fn available() -> bool {
    if std::env::var_os("PAWWORK_SUPERVISOR_NO_CLONE3").is_some_and(|v| !v.is_empty()) {
        return false;
    }
    // SAFETY: a null argument with size 0 is rejected before any use.
    let r = unsafe { libc::syscall(libc::SYS_clone3, std::ptr::null_mut::<CloneArgs>(), 0usize) };
    r == -1 && Errno::last() == Errno::EINVAL
}

/// Why a start failed.
pub enum Failure {
    /// The kernel refused clone3 itself (or `CLONE_INTO_CGROUP`): nothing was
    /// created, and the fork path should be used from now on.
    Unsupported(Errno),
    /// The child could not be started; the request gets this error.
    Spawn(SpawnError),
}

/// `marker`: the tree's environment tag when no cgroup contains it.
/// `join`: as in spawn.rs.
pub fn start(spec: &SpawnSpec<'_>, cgroup: Option<&CgroupChild>, marker: Option<&str>, join: i32) -> Result<Started, Failure> {
    let mut image = Image::new(spec, marker).map_err(Failure::Spawn)?;
    let io_err =
        |what: &str, e: Errno| Failure::Spawn(os_error(format_args!("cannot start {:?}: {what}", spec.argv[0]), &e.into()));
    let (stdin, child_stdin) = stdio(spec.stdin, true).map_err(|e| io_err("stdin", e))?;
    let (stdout, child_stdout) = stdio(spec.stdout, false).map_err(|e| io_err("stdout", e))?;
    let (stderr, child_stderr) = stdio(spec.stderr, false).map_err(|e| io_err("stderr", e))?;
    let extra = extra_fds::prepare(spec.extra).map_err(|e| io_err("extra descriptors", e))?;
    let (err_read, err_write) = nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(|e| io_err("exec status pipe", e))?;
    // Used after the extra descriptors are installed: none may land on it.
    let floor = extra.map.iter().map(|&(_, target)| target + 1).max().unwrap_or(3);
    let err_write = extra_fds::lift_above(err_write, floor).map_err(|e| io_err("exec status pipe", e))?;
    let fds = [child_stdin.as_raw_fd(), child_stdout.as_raw_fd(), child_stderr.as_raw_fd()];
    let err_fd = err_write.as_raw_fd();
    let parent = nix::unistd::getpid().as_raw();

    let mut args = CloneArgs { exit_signal: libc::SIGCHLD as u64, ..CloneArgs::default() };
    if let Some(cg) = cgroup {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = cg.dir_fd() as u64;
    }
    // SAFETY: without CLONE_VM the child is a copy of this process, as after
    // fork(2); it runs only `child_main`, which makes async-signal-safe calls
    // on memory prepared above and never returns.
    let pid = unsafe { libc::syscall(libc::SYS_clone3, &mut args as *mut CloneArgs, std::mem::size_of::<CloneArgs>()) };
    if pid == 0 {
        // SAFETY: see above; in the child.
        unsafe { child_main(&mut image, fds, &extra.map, err_fd, parent, join) }
    }
    if pid < 0 {
        let e = Errno::last();
        return Err(match e {
            // No clone3, a filter that hides it, or a kernel (5.3 to 5.6)
            // without CLONE_INTO_CGROUP: the fork path still works.
            Errno::ENOSYS | Errno::EPERM | Errno::EINVAL | Errno::E2BIG => Failure::Unsupported(e),
            _ => io_err("clone3", e),
        });
    }
    let pid = pid as u32;
    // Our copies of the child's ends must close, or EOF never comes.
    drop((child_stdin, child_stdout, child_stderr, err_write));
    let extra_fds::Prepared { child_ends, ours, .. } = extra;
    drop(child_ends);
    match exec_status(err_read) {
        None => Ok(Started { pid, stdin, stdout, stderr, extra: ours }),
        Some(errno) => {
            // The child exits at once; reap it here, before the pid is
            // registered as a root (the caller holds the reaper's lock).
            let _ = nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(pid as i32), None);
            let e = std::io::Error::from_raw_os_error(errno);
            Err(Failure::Spawn(os_error(format_args!("cannot start {:?}", spec.argv[0]), &e)))
        }
    }
}

/// Blocks until the child execs (the pipe closes empty) or reports why it
/// could not (four bytes of errno).
fn exec_status(pipe: OwnedFd) -> Option<i32> {
    let mut buf = [0u8; 4];
    // read_exact retries EINTR; an empty pipe (the exec happened) is its
    // UnexpectedEof.
    std::fs::File::from(pipe).read_exact(&mut buf).ok().map(|()| i32::from_be_bytes(buf))
}

/// One of the child's standard streams: our end (for pipes) and the child's.
fn stdio(mode: platform::Stdio, child_reads: bool) -> Result<(Option<OwnedFd>, OwnedFd), Errno> {
    let (ours, theirs) = match mode {
        platform::Stdio::Pipe => {
            let (r, w) = nix::unistd::pipe2(OFlag::O_CLOEXEC)?;
            if child_reads {
                (Some(w), r)
            } else {
                (Some(r), w)
            }
        }
        platform::Stdio::Null => {
            let fd = nix::fcntl::open("/dev/null", OFlag::O_RDWR | OFlag::O_CLOEXEC, nix::sys::stat::Mode::empty())?;
            (None, fd)
        }
    };
    Ok((ours, above_stdio(theirs)?))
}

/// The child dup2s its ends onto 0, 1 and 2 in that order, so none of them
/// may already be one of those numbers (only possible when the sidecar's
/// own stdio was closed).
fn above_stdio(fd: OwnedFd) -> Result<OwnedFd, Errno> {
    if fd.as_raw_fd() > 2 {
        return Ok(fd);
    }
    let dup = nix::fcntl::fcntl(&fd, nix::fcntl::FcntlArg::F_DUPFD_CLOEXEC(3))?;
    // SAFETY: F_DUPFD_CLOEXEC returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(dup) })
}

/// The exec's arguments, environment and candidate paths, as the C arrays
/// the child passes to execve. The pointer arrays point into the CStrings,
/// which live as long as the Image.
struct Image {
    cwd: Option<CString>,
    candidates: Vec<CString>,
    _argv: Vec<CString>,
    argv: Vec<*const libc::c_char>,
    _envp: Vec<CString>,
    envp: Vec<*const libc::c_char>,
    /// `/bin/sh <candidate> args...`: execvp's answer to ENOEXEC; slot 1 is
    /// filled in the child.
    script: Vec<*const libc::c_char>,
}

impl Image {
    fn new(spec: &SpawnSpec<'_>, marker: Option<&str>) -> Result<Image, SpawnError> {
        let nul = |what: &str| SpawnError {
            errno: None,
            message: format!("cannot start {:?}: {what} contains a nul byte", spec.argv[0]),
        };
        let argv_c: Vec<CString> =
            spec.argv.iter().map(|a| CString::new(a.as_bytes())).collect::<Result<_, _>>().map_err(|_| nul("an argument"))?;
        let env = environment(spec.env, marker);
        let envp_c: Vec<CString> = env
            .iter()
            .map(|(k, v)| {
                let mut kv = k.clone().into_vec();
                kv.push(b'=');
                kv.extend_from_slice(v.as_bytes());
                CString::new(kv)
            })
            .collect::<Result<_, _>>()
            .map_err(|_| nul("the environment"))?;
        let path = env.get(OsStr::new("PATH")).map(|p| p.as_bytes()).unwrap_or(DEFAULT_PATH);
        let candidates = candidates(spec.argv[0].as_bytes(), path).ok_or_else(|| nul("the program name"))?;
        let cwd = match &spec.cwd {
            Some(c) => Some(CString::new(c.as_os_str().as_bytes()).map_err(|_| nul("cwd"))?),
            None => None,
        };
        let argv = with_null(&argv_c);
        let envp = with_null(&envp_c);
        let mut script = vec![SHELL.as_ptr(), std::ptr::null()];
        script.extend_from_slice(&argv[1..]); // argv[1..] and its null
        Ok(Image { cwd, candidates, _argv: argv_c, argv, _envp: envp_c, envp, script })
    }
}

fn with_null(strings: &[CString]) -> Vec<*const libc::c_char> {
    strings.iter().map(|s| s.as_ptr()).chain(std::iter::once(std::ptr::null())).collect()
}

/// The child's environment as std's Command builds it: the sidecar's own
/// (or none), the request's changes on top, then the tree marker.
fn environment(env: Env<'_>, marker: Option<&str>) -> BTreeMap<OsString, OsString> {
    let mut out: BTreeMap<OsString, OsString> = match env {
        Env::Replace(_) => BTreeMap::new(),
        Env::Inherit | Env::Merge(_) => std::env::vars_os().collect(),
    };
    match env {
        Env::Inherit => {}
        Env::Merge(vars) => {
            for (k, v) in vars {
                match v {
                    Some(v) => out.insert(k.into(), v.into()),
                    None => out.remove(OsStr::new(k)),
                };
            }
        }
        Env::Replace(vars) => out.extend(vars.iter().map(|(k, v)| (k.into(), v.into()))),
    }
    if let Some(m) = marker {
        out.insert(super::procfs::MARKER_VAR.into(), m.into());
    }
    out
}

/// The paths execvp would try, in order: the program itself when it names a
/// path (has a `/`), else each PATH entry joined with it (an empty entry is
/// the working directory). `None` for a nul byte; empty for an empty name,
/// which then fails with ENOENT like execvp.
fn candidates(program: &[u8], path: &[u8]) -> Option<Vec<CString>> {
    if program.is_empty() {
        return Some(Vec::new());
    }
    if program.contains(&b'/') {
        return CString::new(program).ok().map(|c| vec![c]);
    }
    path.split(|&b| b == b':')
        .map(|dir| {
            let mut full = dir.to_vec();
            if !dir.is_empty() {
                full.push(b'/');
            }
            full.extend_from_slice(program);
            CString::new(full).ok()
        })
        .collect()
}

/// The child, between clone3 and exec: async-signal-safe calls only, no
/// allocation, no unwinding. Reports the errno of whatever failed through
/// `err_fd` (close-on-exec, so a successful exec closes it empty).
unsafe fn child_main(image: &mut Image, fds: [RawFd; 3], extra: &[(RawFd, RawFd)], err_fd: RawFd, parent: i32, join: i32) -> ! {
    let errno = prepare_and_exec(image, fds, extra, parent, join);
    let bytes = errno.to_be_bytes();
    libc::write(err_fd, bytes.as_ptr().cast(), bytes.len());
    libc::_exit(127)
}

/// Returns only on failure, with its errno.
unsafe fn prepare_and_exec(image: &mut Image, fds: [RawFd; 3], extra: &[(RawFd, RawFd)], parent: i32, join: i32) -> i32 {
    let last = || Errno::last_raw();
    for (target, &fd) in fds.iter().enumerate() {
        // dup2 clears close-on-exec on the copy; every `fd` is above 2.
        if libc::dup2(fd, target as RawFd) < 0 {
            return last();
        }
    }
    if let Some(cwd) = &image.cwd {
        if libc::chdir(cwd.as_ptr()) != 0 {
            return last();
        }
    }
    // Created inside its cgroup already: nothing to join.
    if let Err(e) = child_setup(-1, parent, join) {
        return e.raw_os_error().unwrap_or(libc::EINVAL);
    }
    if let Err(errno) = extra_fds::install(extra) {
        return errno;
    }
    // execvp's search, as glibc does it: go on past a candidate that does
    // not exist, remember one we may not run, stop at any other failure.
    let mut failure = libc::ENOENT;
    let mut denied = false;
    for i in 0..image.candidates.len() {
        let file = image.candidates[i].as_ptr();
        libc::execve(file, image.argv.as_ptr(), image.envp.as_ptr());
        let mut e = last();
        if e == libc::ENOEXEC {
            image.script[1] = file;
            libc::execve(SHELL.as_ptr(), image.script.as_ptr(), image.envp.as_ptr());
            e = last();
        }
        match e {
            libc::EACCES => denied = true,
            libc::ENOENT | libc::ENOTDIR | libc::ESTALE | libc::ENODEV | libc::ETIMEDOUT => {}
            _ => return e,
        }
        failure = e;
    }
    if denied {
        libc::EACCES
    } else {
        failure
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strs(v: Vec<CString>) -> Vec<String> {
        v.into_iter().map(|c| c.into_string().unwrap()).collect()
    }

    #[test]
    fn candidates_follow_execvp() {
        assert_eq!(strs(candidates(b"ls", b"/a:/b/").unwrap()), ["/a/ls", "/b//ls"]);
        assert_eq!(strs(candidates(b"ls", b"/a::").unwrap()), ["/a/ls", "ls", "ls"], "empty entries are the cwd");
        assert_eq!(strs(candidates(b"./x", b"/a").unwrap()), ["./x"], "a path is not searched");
        assert!(candidates(b"", b"/a").unwrap().is_empty());
        assert!(candidates(b"a\0b", b"/a").is_none());
    }

    #[test]
    fn environment_merges_like_command() {
        let mut vars = BTreeMap::new();
        vars.insert("PAWWORK_T1".to_string(), Some("x".to_string()));
        vars.insert("HOME".to_string(), None);
        let env = environment(Env::Merge(&vars), Some("m"));
        assert_eq!(env.get(OsStr::new("PAWWORK_T1")).unwrap(), "x");
        assert!(!env.contains_key(OsStr::new("HOME")));
        assert_eq!(env.get(OsStr::new(super::super::procfs::MARKER_VAR)).unwrap(), "m");
        let only: BTreeMap<String, String> = [("A".to_string(), "1".to_string())].into();
        let env = environment(Env::Replace(&only), None);
        assert_eq!(env.len(), 1);
    }
}
