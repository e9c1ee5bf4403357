//! Outside Linux the sidecar learns that its host stopped reading stdout
//! only when a write to it fails (the sink then treats the host as gone).

use std::future::Future;
use std::os::fd::BorrowedFd;
use std::pin::Pin;

pub fn watch(_stdout: BorrowedFd<'_>) -> Option<Pin<Box<dyn Future<Output = ()> + Send>>> {
    None
}
