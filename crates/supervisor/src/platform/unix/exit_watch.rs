//! Noticing that a root process has exited *without reaping it*. The zombie
//! keeps the pid and the process group id reserved, so the group can still
//! be signalled safely while the rest of the tree is dealt with; reaping
//! happens once, afterwards, in `tree.rs`.

use std::os::fd::OwnedFd;

use tokio::io::unix::AsyncFd;
use tokio::sync::oneshot;

use super::kill::pidfd;

pub enum ExitWatch {
    /// Linux 5.3+: a pidfd becomes readable when the process exits.
    Pidfd(AsyncFd<OwnedFd>),
    /// Elsewhere: a thread blocked in `waitid(WNOWAIT)`.
    Thread(Option<oneshot::Receiver<()>>),
}

impl ExitWatch {
    pub fn new(pid: u32) -> ExitWatch {
        if let pidfd::Pinned::Fd(fd) = pidfd::open(pid as i32) {
            // SAFETY: the OwnedFd moves into the AsyncFd and stays open, and
            // the same fd, for the AsyncFd's whole life.
            if let Ok(afd) = unsafe { AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE) } {
                return ExitWatch::Pidfd(afd);
            }
        }
        let (tx, rx) = oneshot::channel();
        let spawned = std::thread::Builder::new()
            .name(format!("exit-watch-{pid}"))
            .stack_size(64 * 1024)
            .spawn(move || {
                // SAFETY: waitid writes into the zeroed siginfo we own.
                unsafe {
                    let mut info: libc::siginfo_t = std::mem::zeroed();
                    while libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, libc::WEXITED | libc::WNOWAIT) != 0 {
                        if std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                            break;
                        }
                    }
                }
                let _ = tx.send(());
            });
        if spawned.is_err() {
            tracing::error!("cannot start the exit watcher thread for {pid}; falling back to polling");
        }
        ExitWatch::Thread(Some(rx))
    }

    /// Resolves once the root has exited (it is then a zombie until reaped).
    pub async fn wait(&mut self, pid: u32) {
        match self {
            ExitWatch::Pidfd(afd) => {
                // Level-triggered and never cleared: later calls return at once.
                let _ = afd.readable().await;
            }
            ExitWatch::Thread(rx) => match rx.take() {
                Some(rx) => {
                    if rx.await.is_err() {
                        poll_until_exited(pid).await;
                    }
                }
                None => poll_until_exited(pid).await,
            },
        }
    }
}

async fn poll_until_exited(pid: u32) {
    while !has_exited(pid) {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// Non-blocking, non-reaping check.
pub fn has_exited(pid: u32) -> bool {
    // SAFETY: waitid writes into the zeroed siginfo we own.
    unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        let r = libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, libc::WEXITED | libc::WNOHANG | libc::WNOWAIT);
        // ECHILD: already reaped, which only `tree.rs` does, so it has exited.
        r != 0 || info.si_pid() != 0
    }
}
