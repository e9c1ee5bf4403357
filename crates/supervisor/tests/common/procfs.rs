//! The one reader of `/proc` in the tests: a process's stat fields (read
//! after the last ')', since the command name in parentheses may itself
//! contain ") "), its fds, memory, children and sockets.

use std::path::Path;

/// The fields of `/proc/<pid>/stat` the tests look at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stat {
    pub state: char,
    pub ppid: i32,
    pub pgrp: i32,
    /// Start time in clock ticks since boot (field 22), as the fixture
    /// reports it: with the pid, it names one process.
    pub start: String,
}

/// `/proc/<pid>/stat` parsed, or None if there is no such process.
pub fn stat(pid: i32) -> Option<Stat> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// The fields after the last ')' start at field 3 (state), so field 22
/// (start time) is index 19 there.
pub fn parse_stat(text: &str) -> Option<Stat> {
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(Stat {
        state: fields.first()?.chars().next()?,
        ppid: fields.get(1)?.parse().ok()?,
        pgrp: fields.get(2)?.parse().ok()?,
        start: fields.get(19)?.to_string(),
    })
}

#[test]
fn stat_is_read_after_the_last_parenthesis() {
    let line = "42 (a) b) (c) S 7 42 42 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 123456 0 0";
    let s = parse_stat(line).expect("a stat line parses");
    assert_eq!(s, Stat { state: 'S', ppid: 7, pgrp: 42, start: "123456".into() });
    assert_eq!(parse_stat("42 (cut"), None, "no ')' is no stat");
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
        .filter_map(|pid| stat(pid).filter(|s| s.ppid == parent).map(|s| (pid, s.state)))
        .collect()
}

pub fn zombies_of(parent: i32) -> usize {
    children_of(parent).iter().filter(|(_, s)| *s == 'Z').count()
}

/// The name the sidecar's watchdog gives itself (`/proc/<pid>/comm`): a fork
/// of the sidecar, it shares the sidecar's command line.
pub const WATCHDOG_COMM: &str = "pawwork-wdog";

/// `/proc/<pid>/comm` without its newline.
pub fn comm(pid: i32) -> Option<String> {
    Some(std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?.trim_end_matches('\n').to_string())
}

/// The sidecar's watchdog (a helper that lives as long as the sidecar).
pub fn watchdog_of(sidecar: i32) -> Option<i32> {
    children_of(sidecar).into_iter().map(|(pid, _)| pid).find(|&pid| comm(pid).as_deref() == Some(WATCHDOG_COMM))
}

/// Children of the sidecar other than its watchdog.
pub fn worker_children_of(sidecar: i32) -> Vec<(i32, char)> {
    children_of(sidecar).into_iter().filter(|(pid, _)| comm(*pid).as_deref() != Some(WATCHDOG_COMM)).collect()
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
