//! Reading the process table. Linux has `/proc`; elsewhere (macOS) the
//! table is read through `ps`, which is slower but only runs on the cancel
//! path. Start times make every pid we act on a (pid, start) pair, so a
//! recycled pid is never mistaken for a member.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcInfo {
    pub pid: u32,
    pub ppid: u32,
    pub pgid: u32,
    /// Field 3 (R, S, D, T, t, Z, X ...).
    pub state: char,
    pub zombie: bool,
    /// Clock ticks after boot (`/proc/<pid>/stat` field 22).
    pub start: u64,
}

/// Parses the text of `/proc/<pid>/stat`. The command name (field 2) may
/// hold spaces and parentheses, so fields are counted after the last `)`.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub fn parse_stat(pid: u32, text: &str) -> Option<ProcInfo> {
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // fields[0] is field 3 (state); field N is fields[N - 3].
    Some(ProcInfo {
        pid,
        state: fields.first()?.chars().next()?,
        zombie: matches!(*fields.first()?, "Z" | "X"),
        ppid: fields.get(1)?.parse().ok()?,
        pgid: fields.get(2)?.parse().ok()?,
        start: fields.get(19)?.parse().ok()?,
    })
}

#[cfg(target_os = "linux")]
pub fn read(pid: u32) -> Option<ProcInfo> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(pid, &text)
}

#[cfg(target_os = "linux")]
pub fn all() -> Vec<ProcInfo> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(read)
        .collect()
}

/// macOS and other Unixes: one `ps` run. `lstart` is not a stable key, so the
/// start field is left 0 there and pid reuse is guarded by the process group
/// and parent links only (documented in docs/reference/design.md).
#[cfg(not(target_os = "linux"))]
pub fn all() -> Vec<ProcInfo> {
    let Ok(out) = std::process::Command::new("ps").args(["-A", "-o", "pid=,ppid=,pgid=,stat="]).output() else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            Some(ProcInfo {
                pid: f.first()?.parse().ok()?,
                ppid: f.get(1)?.parse().ok()?,
                pgid: f.get(2)?.parse().ok()?,
                state: f.get(3)?.chars().next()?,
                zombie: f.get(3)?.starts_with('Z'),
                start: 0,
            })
        })
        .collect()
}

#[cfg(not(target_os = "linux"))]
pub fn read(pid: u32) -> Option<ProcInfo> {
    all().into_iter().find(|p| p.pid == pid)
}

/// The environment variable that tags every process of a tree when no
/// cgroup contains it: `<sidecar pid>.<tree seq>`. Descendants inherit it
/// through fork and exec, including ones that `setsid()` or re-parent, so
/// it finds what parent links and group ids lose. A process that clears its
/// environment loses it too: that is the fallback's stated limit.
pub const MARKER_VAR: &str = "PAWWORK_SUPERVISOR_TREE";

/// Whether `/proc/<pid>/environ` holds an entry starting with `prefix`.
#[cfg(target_os = "linux")]
pub fn environ_has(pid: u32, prefix: &[u8]) -> bool {
    environ_any(pid, |entry| entry.starts_with(prefix))
}

/// Whether `/proc/<pid>/environ` holds exactly the entry `entry`.
#[cfg(target_os = "linux")]
pub fn environ_is(pid: u32, wanted: &[u8]) -> bool {
    environ_any(pid, |entry| entry == wanted)
}

#[cfg(target_os = "linux")]
fn environ_any(pid: u32, pred: impl Fn(&[u8]) -> bool) -> bool {
    std::fs::read(format!("/proc/{pid}/environ")).map(|env| env.split(|&b| b == 0).any(pred)).unwrap_or(false)
}

/// No readable environment of other processes outside Linux.
#[cfg(not(target_os = "linux"))]
pub fn environ_is(_pid: u32, _wanted: &[u8]) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_command_name_with_spaces_and_parens() {
        let text = "42 (a) b) (c) S 7 42 42 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 987654 0 0";
        let p = parse_stat(42, text).unwrap();
        assert_eq!((p.pid, p.ppid, p.pgid, p.zombie, p.start), (42, 7, 42, false, 987654));
    }

    #[test]
    fn zombie_state_is_recognised() {
        let text = "5 (x) Z 1 5 5 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 11 0 0";
        assert!(parse_stat(5, text).unwrap().zombie);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn finds_a_marker_in_a_child_environment() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .env(MARKER_VAR, "1.22")
            .spawn()
            .unwrap();
        let pid = child.id();
        let has = |s: &str| environ_has(pid, s.as_bytes());
        // Until exec, /proc shows the forked copy of our own environment.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !has("PAWWORK_SUPERVISOR_TREE=") && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert!(has("PAWWORK_SUPERVISOR_TREE=1.22"));
        assert!(has("PAWWORK_SUPERVISOR_TREE=1."), "prefix match");
        assert!(!has("PAWWORK_SUPERVISOR_TREE=1.23"));
        assert!(environ_is(pid, b"PAWWORK_SUPERVISOR_TREE=1.22"));
        assert!(!environ_is(pid, b"PAWWORK_SUPERVISOR_TREE=1.2"), "exact match");
        let _ = child.kill();
        let _ = child.wait();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn reads_own_entry() {
        let me = std::process::id();
        let p = read(me).unwrap();
        assert_eq!(p.pid, me);
        assert!(p.start > 0);
    }
}
