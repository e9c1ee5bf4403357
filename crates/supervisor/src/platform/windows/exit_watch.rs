//! Noticing that a root process has exited. A process handle is signalled
//! when the process ends; `RegisterWaitForSingleObject` waits for that on
//! the system thread pool (no thread of ours per child) and the callback
//! completes a oneshot. The handle we hold keeps the process object, and so
//! its pid, from being reused until the tree is dropped.

use std::ffi::c_void;
use std::os::windows::io::{AsRawHandle, OwnedHandle};
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::oneshot;
use windows_sys::Win32::Foundation::{HANDLE, INVALID_HANDLE_VALUE, WAIT_OBJECT_0};
use windows_sys::Win32::System::Threading::{
    RegisterWaitForSingleObject, UnregisterWaitEx, WaitForSingleObject, INFINITE, WT_EXECUTEONLYONCE,
};

type Slot = Mutex<Option<oneshot::Sender<()>>>;

pub struct ExitWatch {
    rx: Option<oneshot::Receiver<()>>,
    /// Registered wait and its context; `None` if registering failed (then
    /// `wait` polls).
    registration: Option<(HANDLE, *const Slot)>,
    done: bool,
}

// SAFETY: the wait handle and the context pointer are only used in `drop`,
// and the context is a `Mutex`, shared with the pool thread by design.
unsafe impl Send for ExitWatch {}

unsafe extern "system" fn on_exit(context: *mut c_void, _timed_out: bool) {
    // SAFETY: `context` is the `Slot` that `drop` frees only after
    // `UnregisterWaitEx` has waited for this callback to finish.
    let slot = unsafe { &*(context as *const Slot) };
    if let Some(tx) = slot.lock().ok().and_then(|mut s| s.take()) {
        let _ = tx.send(());
    }
}

impl ExitWatch {
    pub fn new(process: &OwnedHandle) -> ExitWatch {
        let (tx, rx) = oneshot::channel();
        let slot: *const Slot = Box::into_raw(Box::new(Mutex::new(Some(tx))));
        let mut wait: HANDLE = std::ptr::null_mut();
        // SAFETY: the process handle outlives the registration (the tree
        // drops this watch before the handle); `slot` lives until `drop`.
        let ok = unsafe {
            RegisterWaitForSingleObject(
                &mut wait,
                process.as_raw_handle() as HANDLE,
                Some(on_exit),
                slot as *const c_void,
                INFINITE,
                WT_EXECUTEONLYONCE,
            )
        };
        if ok == 0 {
            tracing::error!("cannot watch the child's exit ({}); polling instead", std::io::Error::last_os_error());
            // SAFETY: never handed to the pool.
            drop(unsafe { Box::from_raw(slot as *mut Slot) });
            return ExitWatch { rx: None, registration: None, done: false };
        }
        ExitWatch { rx: Some(rx), registration: Some((wait, slot)), done: false }
    }

    /// Resolves once the root has exited. Cancel-safe and callable again.
    pub async fn wait(&mut self, process: &OwnedHandle) {
        if self.done {
            return;
        }
        match self.rx.as_mut() {
            Some(rx) => {
                if rx.await.is_err() {
                    poll_until_exited(process).await;
                }
            }
            None => poll_until_exited(process).await,
        }
        self.rx = None;
        self.done = true;
    }
}

impl Drop for ExitWatch {
    fn drop(&mut self) {
        if let Some((wait, slot)) = self.registration.take() {
            // SAFETY: INVALID_HANDLE_VALUE makes this wait for a running
            // callback, so `slot` is unused once it returns.
            unsafe {
                UnregisterWaitEx(wait, INVALID_HANDLE_VALUE);
                drop(Box::from_raw(slot as *mut Slot));
            }
        }
    }
}

async fn poll_until_exited(process: &OwnedHandle) {
    while !has_exited(process) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub fn has_exited(process: &OwnedHandle) -> bool {
    // SAFETY: a valid process handle, zero timeout.
    unsafe { WaitForSingleObject(process.as_raw_handle() as HANDLE, 0) == WAIT_OBJECT_0 }
}
