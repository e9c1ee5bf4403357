//! The spawn channel on Unix: two FIFOs, `requests` and `answers`, created
//! in a directory the client names (`--sync-dir`). The client opens them
//! with plain `open(2)` and reads without blocking, so it can bound its wait
//! (docs/reference/design.md, "pid when spawn returns").
//!
//! Only the client's user may reach them: the directory must be a real
//! directory (not a symlink) of the sidecar's user with no access for group
//! or others, and the FIFOs are created there, 0600, by the sidecar itself.
//! Both are opened read-write: that never blocks and never fails for want of
//! the other end, so `hello` can be written before the client is there; the
//! client's death is still told by stdin EOF, and the sidecar's by EOF on
//! `answers` once the last writer (the sidecar) is gone.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use nix::fcntl::OFlag;
use nix::sys::stat::Mode;
use tokio::net::unix::pipe;

use crate::platform::{ChildReader, ChildWriter};

pub struct SyncEndpoint {
    requests: pipe::Receiver,
    answers: pipe::Sender,
}

/// Creates and opens the FIFOs in `dir`. Must run inside the runtime.
pub fn sync_endpoint(dir: &Path) -> std::io::Result<SyncEndpoint> {
    let meta = std::fs::symlink_metadata(dir)?;
    let invalid = |why: &str| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{}: {why}", dir.display()));
    if !meta.file_type().is_dir() {
        return Err(invalid("not a directory"));
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me || meta.mode() & 0o077 != 0 {
        return Err(invalid("must belong to this user and be closed to group and others (mode 0700)"));
    }
    // Made under a temporary name, opened, then renamed: once a client can
    // see a FIFO, the sidecar's end of it is open.
    let fifo = |name: &str| -> std::io::Result<std::os::fd::OwnedFd> {
        let making = dir.join(format!("{name}.new"));
        nix::unistd::mkfifo(&making, Mode::S_IRUSR | Mode::S_IWUSR)?;
        let fd = nix::fcntl::open(&making, OFlag::O_RDWR | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC, Mode::empty())?;
        std::fs::rename(&making, dir.join(name))?;
        Ok(fd)
    };
    let requests = pipe::Receiver::from_owned_fd(fifo("requests")?)?;
    let answers = pipe::Sender::from_owned_fd(fifo("answers")?)?;
    Ok(SyncEndpoint { requests, answers })
}

impl SyncEndpoint {
    /// The FIFOs need no connection: the client's opens may come at any time.
    pub async fn connected(self) -> std::io::Result<(ChildReader, ChildWriter)> {
        Ok((Box::pin(self.requests), Box::pin(self.answers)))
    }
}
