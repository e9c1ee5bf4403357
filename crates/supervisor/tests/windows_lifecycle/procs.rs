//! Is a process still there? Two views:
//! - Windows: OpenProcess on the pid, then GetExitCodeProcess (STILL_ACTIVE)
//!   and the creation time, compared with the one the fixture reported, so a
//!   reused pid is never mistaken for a survivor.
//! - The host (under Wine only): Wine processes are host processes, so the
//!   host's `ps` must not list any process of the run's uniquely named
//!   fixture copy once a tree is reported gone.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use windows_sys::Win32::Foundation::{CloseHandle, FILETIME, STILL_ACTIVE};
use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleA, GetProcAddress};
use windows_sys::Win32::System::Threading::{
    GetExitCodeProcess, GetProcessTimes, OpenProcess, PROCESS_QUERY_LIMITED_INFORMATION,
};

use super::Proc;

/// The Wine version, if this runs under Wine.
pub fn wine_version() -> Option<String> {
    // SAFETY: looks up an export of the already-loaded ntdll; the function,
    // when present, returns a static NUL-terminated string.
    unsafe {
        let ntdll = GetModuleHandleA(c"ntdll.dll".as_ptr() as *const u8);
        if ntdll.is_null() {
            return None;
        }
        let f = GetProcAddress(ntdll, c"wine_get_version".as_ptr() as *const u8)?;
        let f: unsafe extern "C" fn() -> *const std::ffi::c_char = std::mem::transmute(f);
        Some(std::ffi::CStr::from_ptr(f()).to_string_lossy().into_owned())
    }
}

/// Alive in the Windows view: the pid opens, has not exited, and was created
/// at the reported time.
pub fn alive(m: &Proc) -> bool {
    // SAFETY: plain queries; the handle is closed on every path.
    unsafe {
        let h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, m.pid as u32);
        if h.is_null() {
            return false;
        }
        let mut code = 0u32;
        let running = GetExitCodeProcess(h, &mut code) != 0 && code == STILL_ACTIVE as u32;
        let zero = FILETIME { dwLowDateTime: 0, dwHighDateTime: 0 };
        let (mut c, mut e, mut k, mut u) = (zero, zero, zero, zero);
        let timed = GetProcessTimes(h, &mut c, &mut e, &mut k, &mut u) != 0;
        CloseHandle(h);
        let created = (u64::from(c.dwHighDateTime) << 32 | u64::from(c.dwLowDateTime)).to_string();
        running && timed && m.start == created
    }
}

/// Waits (bounded) until none of `members` is alive; returns the survivors.
pub fn wait_all_gone(members: &[Proc], limit: Duration) -> Vec<i32> {
    let deadline = Instant::now() + limit;
    loop {
        let left: Vec<i32> = members.iter().filter(|m| alive(m)).map(|m| m.pid).collect();
        if left.is_empty() || Instant::now() >= deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The host's process list, seen from inside Wine. Wine runs a Unix program
/// when asked to start one, but its CreateProcess then reports an error
/// (no Windows handle exists), so the list goes through a file.
pub struct Host {
    /// A host directory, and the same as seen from Wine (Z:).
    unix_dir: String,
    seq: u32,
}

impl Host {
    pub fn new(run: &str) -> Option<Host> {
        wine_version()?;
        let base = std::env::var("PAWWORK_HOST_TMP").unwrap_or_else(|_| "/tmp".into());
        let unix_dir = format!("{}/pawwork-wine-{run}", base.trim_end_matches('/'));
        std::fs::create_dir_all(win_path(&unix_dir)).ok()?;
        Some(Host { unix_dir, seq: 0 })
    }

    /// Host command lines containing `needle`, or None if `ps` could not run.
    pub fn processes_with(&mut self, needle: &str) -> Option<Vec<String>> {
        self.seq += 1;
        let out = format!("{}/ps-{}.txt", self.unix_dir, self.seq);
        let script = format!("ps -eo pid=,args= > '{out}.tmp' && mv '{out}.tmp' '{out}'");
        let _ = std::process::Command::new("/bin/sh").args(["-c", &script]).spawn();
        let file = win_path(&out);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(text) = std::fs::read_to_string(&file) {
                let _ = std::fs::remove_file(&file);
                return Some(text.lines().filter(|l| l.contains(needle)).map(str::to_owned).collect());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

fn win_path(unix: &str) -> PathBuf {
    PathBuf::from(format!("Z:{}", unix.replace('/', "\\")))
}
