//! What the hostile-input and load tests read about a running sidecar from
//! `/proc` (open fds, memory, children and their states), a small seeded
//! generator for reproducible garbage, and the switch to the full sizes.
#![allow(dead_code)]

use std::path::Path;

/// `PAWWORK_FULL_LOAD=1` runs the full sizes of docs/load-and-hostile-input.md;
/// by default every test runs a reduced size that fits CI.
pub fn full() -> bool {
    std::env::var("PAWWORK_FULL_LOAD").is_ok_and(|v| v == "1")
}

/// `reduced` by default, `full` under `PAWWORK_FULL_LOAD=1`.
pub fn size(reduced: usize, full_size: usize) -> usize {
    if full() {
        full_size
    } else {
        reduced
    }
}

/// The targets of a process's open fds (`pipe:[123]`, `/dev/null`, ...).
pub fn fd_links(pid: i32) -> Vec<(i32, String)> {
    let mut out: Vec<(i32, String)> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap_or_else(|e| panic!("read /proc/{pid}/fd: {e}"))
        .filter_map(|e| {
            let e = e.ok()?;
            let fd = e.file_name().to_str()?.parse().ok()?;
            // An fd closed between the listing and the readlink is skipped.
            let target = std::fs::read_link(e.path()).ok()?;
            Some((fd, target.to_string_lossy().into_owned()))
        })
        .collect();
    out.sort();
    out
}

pub fn fd_count(pid: i32) -> usize {
    fd_links(pid).len()
}

/// A `/proc/<pid>/status` field in KiB (`VmRSS`, `VmHWM`).
pub fn status_kib(pid: i32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

pub fn rss_kib(pid: i32) -> u64 {
    status_kib(pid, "VmRSS")
}

/// (pid, state) of every process whose parent is `parent`.
pub fn children_of(parent: i32) -> Vec<(i32, char)> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // Fields after the command name in parentheses: state, ppid, ...
            let rest = &stat[stat.rfind(')')? + 2..];
            let mut fields = rest.split_whitespace();
            let state = fields.next()?.chars().next()?;
            let ppid: i32 = fields.next()?.parse().ok()?;
            (ppid == parent).then_some((pid, state))
        })
        .collect()
}

pub fn zombies_of(parent: i32) -> usize {
    children_of(parent).iter().filter(|(_, s)| *s == 'Z').count()
}

/// Children of the sidecar other than its watchdog (a helper that lives as
/// long as the sidecar: it is started with `--watchdog`).
pub fn worker_children_of(sidecar: i32) -> Vec<(i32, char)> {
    children_of(sidecar)
        .into_iter()
        .filter(|(pid, _)| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            !cmdline.split(|b| *b == 0).any(|a| a == b"--watchdog")
        })
        .collect()
}

/// Inodes of the sockets among a process's fds (`socket:[123]`).
pub fn socket_inodes(pid: i32) -> Vec<String> {
    fd_links(pid)
        .into_iter()
        .filter_map(|(_, t)| Some(t.strip_prefix("socket:[")?.strip_suffix(']')?.to_string()))
        .collect()
}

/// The `/proc/net` tables (of the process's network namespace) that list
/// `inode`: "unix" for a Unix-domain socket, "tcp"/"udp"/... for a network one.
pub fn socket_tables(pid: i32, inode: &str) -> Vec<String> {
    let tables = ["tcp", "tcp6", "udp", "udp6", "udplite", "udplite6", "raw", "raw6", "packet", "netlink", "unix"];
    tables
        .iter()
        .filter(|t| {
            let path = format!("/proc/{pid}/net/{t}");
            std::fs::read_to_string(Path::new(&path))
                .unwrap_or_default()
                .lines()
                .skip(1)
                .any(|l| l.split_whitespace().any(|f| f == inode))
        })
        .map(|t| t.to_string())
        .collect()
}

/// xorshift64*: tiny, seedable, good enough to pick garbage. The seed comes
/// from `PAWWORK_HOSTILE_SEED` or the clock, and is printed so a failure can
/// be replayed exactly.
pub struct Rng(u64);

impl Rng {
    pub fn from_env(what: &str) -> Rng {
        let seed = std::env::var("PAWWORK_HOSTILE_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
        });
        eprintln!("{what}: PAWWORK_HOSTILE_SEED={seed}");
        Rng(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}
