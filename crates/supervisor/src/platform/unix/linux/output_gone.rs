//! Noticing, without writing, that the host can no longer read the
//! sidecar's stdout (Linux). A sidecar whose children are silent writes
//! nothing for as long as they run, so a write failing is no way to learn
//! that its host closed the read side while keeping stdin open: the trees
//! would run on with nobody to report to, and block for good once their
//! output window filled. The kernel says it instead: a pipe whose readers
//! are all gone reports `EPOLLERR` to its writer, a socket whose peer has
//! closed reports `EPOLLHUP`, and both are delivered whatever the interest.

use std::future::Future;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::pin::Pin;

use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

/// Resolves once the host's end of `stdout` is closed; `None` if it cannot
/// be watched. A duplicate is registered (stdout's own descriptor is the
/// sink's), for errors only: a pipe's write end is never readable, so the
/// registration wakes for nothing else, and the sink's writes wake nothing
/// here.
pub fn watch(stdout: BorrowedFd<'_>) -> Option<Pin<Box<dyn Future<Output = ()> + Send>>> {
    let dup: OwnedFd = stdout.try_clone_to_owned().ok()?;
    // SAFETY: an OwnedFd owns its descriptor, which stays open and the
    // same until the AsyncFd (its owner) is dropped.
    let fd = unsafe { AsyncFd::register_with_interest(dup, Interest::ERROR) }.ok()?;
    Some(Box::pin(async move {
        loop {
            let Ok(mut ready) = fd.ready(Interest::ERROR | Interest::WRITABLE).await else { return };
            let seen = ready.ready();
            if seen.is_error() || seen.is_write_closed() {
                return;
            }
            ready.clear_ready();
        }
    }))
}
