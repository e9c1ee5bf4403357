//! The read end of a child's stdout or stderr. A pipe holds 64 KiB by
//! default, so a child that writes faster than the sidecar relays blocks
//! every 64 KiB and each read and frame carries at most that much. Once a
//! read finds the pipe full, the pipe is grown (linux/pipe_size.rs) so the
//! child runs ahead and each read, frame and wake-up carries more: with a
//! 1 MiB pipe and 256 KiB reads a 256 MiB flood went from 0.69x to 0.83x of
//! a direct read in one interleaved run (Node client; a 256 KiB pipe gave
//! 0.77x, 64 KiB reads from a 1 MiB pipe 0.75x; see
//! docs/reference/load-and-hostile-input.md).
//!
//! Growth is for flooding children only and within a budget shared by the
//! process: the kernel counts every pipe's size against a per-user soft limit
//! (`/proc/sys/fs/pipe-user-pages-soft`, 64 MiB by default), over which the
//! user's new pipes, in any program, get two pages. A thousand idle children
//! thus cost no more than before, and the sidecar never takes more than a
//! quarter of that limit.

use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, ReadBuf};
use tokio::net::unix::{pipe, OwnedReadHalf};

use super::pipe_size;

/// A pipe's default size on Linux: a read this large found it full.
const DEFAULT_SIZE: usize = 64 * 1024;
/// What a flooding child's pipe grows to (Linux's default
/// `/proc/sys/fs/pipe-max-size`, the most an unprivileged process may ask).
const GROWN_SIZE: usize = 1024 * 1024;

/// Bytes by which this process's pipes have been grown, all pipes together.
static GROWN: AtomicUsize = AtomicUsize::new(0);

pub struct OutputPipe {
    rx: Source,
    /// Growth was tried (once per pipe, whatever came of it).
    tried: bool,
    /// Bytes this pipe added to [`GROWN`], given back when it closes.
    extra: usize,
}

/// What is read: a pipe, or the read half of a duplex descriptor's socket
/// (extra_fds.rs), which is neither grown nor spliced.
enum Source {
    Pipe(pipe::Receiver),
    Socket(OwnedReadHalf),
}

impl OutputPipe {
    pub fn new(rx: pipe::Receiver) -> OutputPipe {
        OutputPipe { rx: Source::Pipe(rx), tried: false, extra: 0 }
    }

    pub fn socket(rx: OwnedReadHalf) -> OutputPipe {
        OutputPipe { rx: Source::Socket(rx), tried: true, extra: 0 }
    }

    /// Waits until bytes wait in the pipe and says how many, without taking
    /// them (splice.rs must know a frame's length before it moves the
    /// bytes); 0 once the pipe has ended and is empty. A full pipe grows as
    /// it would on a read.
    #[cfg(target_os = "linux")]
    pub async fn waiting(&mut self) -> io::Result<usize> {
        use std::os::fd::AsRawFd;
        use tokio::io::Interest;
        // splice(2) needs a pipe on one side, and stdout is a pipe or a
        // socket: a socket's bytes are read instead (0 sends the relay to its read).
        let Source::Pipe(rx) = &self.rx else { return Ok(0) };
        let n = loop {
            let ready = rx.ready(Interest::READABLE).await?;
            let fd = rx.as_raw_fd();
            let counted = rx.try_io(|| {
                let mut n: libc::c_int = 0;
                // SAFETY: FIONREAD writes one int, to `n`, which outlives the call.
                if unsafe { libc::ioctl(fd, libc::FIONREAD, &mut n) } < 0 {
                    return Err(io::Error::last_os_error());
                }
                // An open pipe with nothing in it is what a read would
                // answer with EAGAIN: the readiness was stale (a splice
                // took the bytes behind the reactor's back). WouldBlock
                // clears it, so the next wait sleeps until the child writes.
                if n == 0 && !ready.is_read_closed() {
                    return Err(io::ErrorKind::WouldBlock.into());
                }
                Ok(n.max(0) as usize)
            });
            match counted {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(e),
            }
        };
        self.grow_if_full(n);
        Ok(n)
    }

    /// `bytes` were found in the pipe at once (by a read or a count): a
    /// full default-sized pipe is grown, once.
    fn grow_if_full(&mut self, bytes: usize) {
        if !self.tried && bytes >= DEFAULT_SIZE {
            self.grow();
        }
    }

    fn grow(&mut self) {
        self.tried = true;
        let want = GROWN_SIZE - DEFAULT_SIZE;
        let budget = pipe_size::budget();
        // Reserve first, so two pipes growing at once cannot both pass.
        if GROWN.fetch_add(want, Ordering::AcqRel) + want > budget {
            GROWN.fetch_sub(want, Ordering::AcqRel);
            return;
        }
        match pipe_size::set(self.as_fd(), GROWN_SIZE) {
            Some(size) => {
                self.extra = size.saturating_sub(DEFAULT_SIZE).min(want);
                GROWN.fetch_sub(want - self.extra, Ordering::AcqRel);
            }
            None => {
                GROWN.fetch_sub(want, Ordering::AcqRel);
            }
        }
    }
}

impl Drop for OutputPipe {
    fn drop(&mut self) {
        GROWN.fetch_sub(self.extra, Ordering::AcqRel);
    }
}

impl AsFd for OutputPipe {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match &self.rx {
            Source::Pipe(rx) => rx.as_fd(),
            Source::Socket(rx) => rx.as_ref().as_fd(),
        }
    }
}

impl AsyncRead for OutputPipe {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = match &mut self.rx {
            Source::Pipe(rx) => Pin::new(rx).poll_read(cx, buf),
            Source::Socket(rx) => Pin::new(rx).poll_read(cx, buf),
        };
        if matches!(polled, Poll::Ready(Ok(()))) {
            self.grow_if_full(buf.filled().len() - before);
        }
        polled
    }
}
