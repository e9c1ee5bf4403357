//! The Linux suites' view of a sidecar, on top of the shared client, fixture
//! lookup and report reader: every event kept and checked against the stream
//! invariants, leak checks by start time, bystanders.

pub mod bystander;
pub mod events;
pub mod leaks;
pub mod pattern;
pub mod sidecar;
pub mod testdir;
pub mod waits;

use std::time::Duration;

pub use super::fixture::{self, fixture_argv};
pub use leaks::assert_all_gone;
pub use pattern::{assert_pattern, assert_pattern_prefix, pattern};
pub use super::report::{self, Report};
pub use serde_json::{json, Value};
pub use bystander::{assert_in_sync, Bystander};
pub use sidecar::Sidecar;
pub use testdir::TestDir;

/// Hang guard for any single wait. Generous on purpose: it only turns a hang
/// into a failure, it never measures speed (the machine has 2 busy cores).
pub const HANG: Duration = Duration::from_secs(20);

/// How long reported processes may take to disappear once the sidecar says a
/// tree is gone (reaping, /proc catching up). Also a hang guard, not a bound.
pub const GONE: Duration = Duration::from_secs(5);

/// A JSON array of pids as numbers (e.g. `killed_pids`).
pub fn pids(v: &Value) -> Vec<i32> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected a pid array, got {v}"))
        .iter()
        .map(|p| p.as_i64().unwrap_or_else(|| panic!("non-numeric pid {p}")) as i32)
        .collect()
}

/// Spawn options with the given streams piped.
pub fn piped(streams: &[&str]) -> Value {
    let mut o = json!({});
    for s in streams {
        o[*s] = json!("pipe");
    }
    o
}

/// Starts the four kinds of tree the containment suites hold to one second
/// (deep, an orphaned grandchild, a setsid() daemon, SIGTERM-ignoring
/// children), each under its id, and returns once every member reported.
/// All four start before any is waited for in full, so they come up side by
/// side.
pub fn start_tree_kinds(sc: &mut Sidecar, dir: &TestDir) -> Vec<Report> {
    let trees: [(&str, &[&str], usize, Option<&str>); 4] = [
        ("deep", &["tree", "--depth", "3", "--width", "1"], 4, None),
        ("orphan", &["orphan"], 3, Some("grandchild")),
        ("daemon", &["daemon"], 3, Some("daemon")),
        ("stubborn", &["ignore-term", "--children", "2"], 3, None),
    ];
    let mut started = Vec::new();
    for (id, args, n, role) in trees {
        let report = Report::new(dir.report(id));
        sc.spawn(id, &fixture_argv(report.path(), args), json!({}));
        report.wait_procs(n.min(2));
        if let Some(role) = role {
            report.wait_role(role);
        }
        started.push((report, n));
    }
    started
        .into_iter()
        .map(|(report, n)| {
            report.wait_procs(n);
            report
        })
        .collect()
}
