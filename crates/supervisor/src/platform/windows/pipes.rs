//! The child's stdio. Anonymous pipes cannot do overlapped I/O, so each
//! piped stream is a named pipe: the sidecar's end is opened overlapped and
//! driven by tokio's reactor (I/O completion ports, no thread per stream);
//! the child's end is an ordinary synchronous handle, inheritable, as any
//! program expects. EOF is the pipe breaking when every holder of the
//! child's end (the root, and any descendant that inherited it) has closed
//! it, exactly as on Unix.
//!
//! Each pipe has a unique name, exactly one instance
//! (`FILE_FLAG_FIRST_PIPE_INSTANCE`, `nMaxInstances = 1`) and refuses remote
//! clients. The child's end is opened right after creation: if another
//! process got in first, opening fails and so does the spawn, so the end a
//! child gets is always ours.

use std::hash::{BuildHasher, Hasher};
use std::io;
use std::os::windows::ffi::OsStrExt;
use std::os::windows::io::{FromRawHandle, OwnedHandle};

use std::sync::atomic::{AtomicU64, Ordering};

use windows_sys::Win32::Foundation::{GENERIC_READ, GENERIC_WRITE, INVALID_HANDLE_VALUE};
use windows_sys::Win32::Security::SECURITY_ATTRIBUTES;
use windows_sys::Win32::Storage::FileSystem::{
    CreateFileW, FILE_FLAG_FIRST_PIPE_INSTANCE, FILE_FLAG_OVERLAPPED, FILE_READ_ATTRIBUTES, FILE_SHARE_READ,
    FILE_SHARE_WRITE, FILE_WRITE_ATTRIBUTES, OPEN_EXISTING, PIPE_ACCESS_DUPLEX, PIPE_ACCESS_INBOUND, PIPE_ACCESS_OUTBOUND,
};
use windows_sys::Win32::System::Pipes::{
    CreateNamedPipeW, PIPE_READMODE_BYTE, PIPE_REJECT_REMOTE_CLIENTS, PIPE_TYPE_BYTE, PIPE_WAIT,
};

/// Kernel buffer of each pipe; the credit window bounds memory, not this.
const BUFFER: u32 = 64 * 1024;

pub struct Pipe {
    /// Overlapped, not inheritable: for tokio.
    pub ours: OwnedHandle,
    /// Synchronous, inheritable: for the child (closed by us after spawning).
    pub theirs: OwnedHandle,
}

/// The sidecar writes, the child reads (stdin).
pub fn to_child() -> io::Result<Pipe> {
    // FILE_WRITE_ATTRIBUTES lets the child call SetNamedPipeHandleState.
    pair(PIPE_ACCESS_OUTBOUND, GENERIC_READ | FILE_WRITE_ATTRIBUTES)
}

/// The child writes, the sidecar reads (stdout, stderr).
pub fn from_child() -> io::Result<Pipe> {
    pair(PIPE_ACCESS_INBOUND, GENERIC_WRITE | FILE_READ_ATTRIBUTES)
}

/// Both ways over one handle (a duplex extra descriptor). A named pipe has
/// no half-close: the child sees EOF only once the sidecar's end is closed
/// for both directions.
pub fn duplex() -> io::Result<Pipe> {
    pair(PIPE_ACCESS_DUPLEX, GENERIC_READ | GENERIC_WRITE)
}

/// The null device, inheritable, for a stream the client ignores.
pub fn null(write: bool) -> io::Result<OwnedHandle> {
    let access = if write { GENERIC_WRITE } else { GENERIC_READ };
    open(&wide("NUL"), access, FILE_SHARE_READ | FILE_SHARE_WRITE)
}

fn pair(direction: u32, child_access: u32) -> io::Result<Pipe> {
    let name = wide(&unique_name());
    // SAFETY: `name` is NUL-terminated; the handle is owned right away.
    let ours = unsafe {
        let h = CreateNamedPipeW(
            name.as_ptr(),
            direction | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
            PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS,
            1,
            BUFFER,
            BUFFER,
            0,
            std::ptr::null(),
        );
        if h == INVALID_HANDLE_VALUE {
            return Err(io::Error::last_os_error());
        }
        OwnedHandle::from_raw_handle(h)
    };
    let theirs = open(&name, child_access, 0)?;
    Ok(Pipe { ours, theirs })
}

fn open(name: &[u16], access: u32, share: u32) -> io::Result<OwnedHandle> {
    let sa = SECURITY_ATTRIBUTES {
        nLength: std::mem::size_of::<SECURITY_ATTRIBUTES>() as u32,
        lpSecurityDescriptor: std::ptr::null_mut(),
        bInheritHandle: 1,
    };
    // SAFETY: `name` is NUL-terminated; the handle is owned right away.
    unsafe {
        let h = CreateFileW(name.as_ptr(), access, share, &sa, OPEN_EXISTING, 0, std::ptr::null_mut());
        if h == INVALID_HANDLE_VALUE {
            return Err(io::Error::last_os_error());
        }
        Ok(OwnedHandle::from_raw_handle(h))
    }
}

fn unique_name() -> String {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, Ordering::Relaxed);
    // RandomState is seeded from the OS's random source: the name cannot be
    // guessed ahead by another process wanting to squat it.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(seq);
    format!(r"\\.\pipe\pawwork-supervisor-{}-{seq}-{:016x}", std::process::id(), h.finish())
}

pub fn wide(s: &str) -> Vec<u16> {
    std::ffi::OsStr::new(s).encode_wide().chain(Some(0)).collect()
}
