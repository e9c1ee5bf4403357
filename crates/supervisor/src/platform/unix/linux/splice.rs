//! Moving a flooding child's output from its pipe to the sidecar's stdout
//! with `splice(2)`, so the bytes never pass through the sidecar's memory.
//! Reading a pipe and writing a socket copies every byte twice (kernel to
//! sidecar, sidecar to kernel): the largest part of the sidecar's CPU in a
//! flood, and on a 2-core machine that CPU is taken from the client and the
//! child (docs/results/bench-linux.md). Since Linux 6.5 a splice into a Unix socket
//! passes the pipe's pages on by reference.
//!
//! The frame's header says how many bytes follow, so the relay first counts
//! what is waiting in the pipe (`FIONREAD`); the sink writes the header and
//! then splices exactly that many. Only the sidecar reads the pipe, so
//! bytes counted in it stay there until taken.
//!
//! Used only when stdout is a pipe or a socket, and not at all under
//! `PAWWORK_SUPERVISOR_NO_SPLICE=1` (which the bench uses to measure the
//! copying path beside it). An output the kernel cannot splice into turns it
//! off for good at the first refusal; the frame in progress is completed by
//! reading and writing.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};

use nix::errno::Errno;
use nix::fcntl::{splice, SpliceFFlags};
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

use super::output_pipe::OutputPipe;
use crate::platform::SpliceStop;

pub struct SpliceTarget {
    /// A duplicate of stdout: the reactor already watches stdout's own
    /// descriptor (the sink writes frame headers through it), and one
    /// descriptor can be registered only once; a duplicate is another
    /// registration of the same socket or pipe.
    out: AsyncFd<OwnedFd>,
    usable: AtomicBool,
}

impl SpliceTarget {
    /// For `out`, a non-blocking pipe or socket (the sidecar's stdout);
    /// `None` when turned off or when it cannot be watched.
    pub fn new(out: BorrowedFd<'_>) -> Option<SpliceTarget> {
        if std::env::var_os("PAWWORK_SUPERVISOR_NO_SPLICE").is_some_and(|v| !v.is_empty()) {
            return None;
        }
        let dup = out.try_clone_to_owned().ok()?;
        // SAFETY: an OwnedFd owns its descriptor, which stays open and the
        // same until the AsyncFd (its owner) is dropped.
        let out = unsafe { AsyncFd::register_with_interest(dup, Interest::WRITABLE) }.ok()?;
        Some(SpliceTarget { out, usable: AtomicBool::new(true) })
    }

    /// False once the output has refused a splice.
    pub fn usable(&self) -> bool {
        self.usable.load(Ordering::Relaxed)
    }

    /// Waits until bytes wait in `src` and returns how many; 0 once it has
    /// ended and is empty (the caller's read then sees the end).
    pub async fn waiting(&self, src: &mut OutputPipe) -> io::Result<usize> {
        src.waiting().await
    }

    /// Moves exactly `len` bytes, which [`waiting`](Self::waiting) counted,
    /// from `src` to the output, waiting while the output is full.
    pub async fn splice_from(&self, src: &mut OutputPipe, len: usize) -> Result<(), SpliceStop> {
        let mut moved = 0;
        while moved < len {
            let stop = |error: io::Error, refused: bool| SpliceStop { moved, error, refused };
            let mut ready = self.out.writable().await.map_err(|e| stop(e, false))?;
            let flags = SpliceFFlags::SPLICE_F_MOVE | SpliceFFlags::SPLICE_F_NONBLOCK;
            match splice(src.as_fd(), None, self.out.get_ref(), None, len - moved, flags) {
                // The pipe cannot be empty: only we read it, and it held `len`.
                Ok(0) => return Err(stop(io::Error::new(io::ErrorKind::UnexpectedEof, "the pipe ran dry mid-frame"), false)),
                Ok(n) => moved += n,
                // Full output (the pipe side has the bytes): wait until it drains.
                Err(Errno::EAGAIN) => ready.clear_ready(),
                Err(Errno::EINTR) => {}
                Err(e @ (Errno::EINVAL | Errno::ENOSYS | Errno::EOPNOTSUPP)) => {
                    self.usable.store(false, Ordering::Relaxed);
                    tracing::info!("stdout refuses splice ({e}): output is copied from now on");
                    return Err(stop(e.into(), true));
                }
                Err(e) => return Err(stop(e.into(), false)),
            }
        }
        Ok(())
    }
}
