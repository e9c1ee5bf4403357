//! The sidecar leaves the process group it was started in (its host's, often
//! a terminal's foreground job), so a signal to that group passes it by; a
//! child spawned with `detached: false` joins that group, one with `detached`
//! absent or true leads a session of its own.
//!
//! The host's group here is a stand-in: a sleeping fixture that leads a new
//! group in this test's session, with the sidecar started inside it, as a
//! host's spawn would start it. Only that group is ever signalled, never the
//! test's own.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};

use crate::common::harness::*;
use crate::common::procfs::stat;

/// A process leading a fresh group of this session: the host's job.
struct HostGroup {
    leader: Child,
    report: Report,
}

impl HostGroup {
    fn start(dir: &TestDir) -> HostGroup {
        let report = Report::new(dir.report("host"));
        let argv = fixture_argv(report.path(), &["trap"]);
        let leader = Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start the host group's leader");
        report.wait_role("root");
        HostGroup { leader, report }
    }

    fn pgid(&self) -> i32 {
        self.leader.id() as i32
    }

    /// A signal to the whole group, as a terminal's Ctrl-C sends it.
    fn signal(&self, sig: i32) {
        let pgid = self.pgid();
        let ours = stat(std::process::id() as i32).expect("our own stat").pgrp;
        assert!(pgid > 1 && pgid != ours, "refusing to signal group {pgid} (ours is {ours})");
        // SAFETY: a plain kill(2) on a group this test created and checked above.
        assert_eq!(unsafe { libc::kill(-pgid, sig) }, 0, "kill(-{pgid}, {sig})");
    }

    /// The sidecar, started inside this group.
    fn sidecar(&self, dir: &TestDir) -> Sidecar {
        let pgid = self.pgid();
        Sidecar::start_with(dir, move |cmd| {
            cmd.process_group(pgid);
        })
    }
}

impl Drop for HostGroup {
    fn drop(&mut self) {
        // Our own direct child, by its pid.
        let _ = self.leader.kill();
        let _ = self.leader.wait();
    }
}

fn pgrp_of(pid: i32) -> i32 {
    stat(pid).unwrap_or_else(|| panic!("no /proc entry for {pid}")).pgrp
}

#[test]
fn the_sidecar_leads_its_own_group_in_the_session_it_was_started_in() {
    let dir = TestDir::new();
    let host = HostGroup::start(&dir);
    let sc = host.sidecar(&dir);
    assert_eq!(pgrp_of(sc.pid()), sc.pid(), "the sidecar left the host's group for one of its own");
    // SAFETY: getsid has no preconditions.
    let (ours, its) = unsafe { (libc::getsid(0), libc::getsid(sc.pid())) };
    assert_eq!(its, ours, "the sidecar stays in the session (so children can join the host's group)");
}

#[test]
fn detached_false_joins_the_hosts_group_and_detached_leads_its_own_session() {
    let dir = TestDir::new();
    let host = HostGroup::start(&dir);
    let mut sc = host.sidecar(&dir);
    let joined = Report::new(dir.report("joined"));
    let apart = Report::new(dir.report("apart"));
    let default = Report::new(dir.report("default"));
    let a = sc.spawn("joined", &fixture_argv(joined.path(), &["sleep"]), json!({"detached": false}));
    let b = sc.spawn("apart", &fixture_argv(apart.path(), &["sleep"]), json!({"detached": true}));
    let c = sc.spawn("default", &fixture_argv(default.path(), &["sleep"]), json!({}));
    assert_eq!(a["pgid"], json!(host.pgid()), "spawned names the group the child is in: {a}");
    assert_eq!(pgrp_of(a["pid"].as_i64().unwrap() as i32), host.pgid());
    for ev in [&b, &c] {
        assert_eq!(ev["pgid"], ev["pid"], "a detached child leads its own group: {ev}");
    }
    // Every child has reported before it is cancelled, so the leak check below has pids to check.
    for report in [&joined, &apart, &default] {
        report.wait_role("root");
    }
    for id in ["joined", "apart", "default"] {
        sc.cancel(id);
        assert_eq!(sc.wait_exit(id)["reason"], "cancelled");
    }
    for report in [&joined, &apart, &default] {
        assert_all_gone(report, GONE);
    }
}

#[test]
fn a_signal_to_the_hosts_group_reaches_joined_children_and_spares_the_sidecar_and_detached_ones() {
    let dir = TestDir::new();
    let host = HostGroup::start(&dir);
    let mut sc = host.sidecar(&dir);
    let joined = Report::new(dir.report("joined"));
    let apart = Report::new(dir.report("apart"));
    sc.spawn("joined", &fixture_argv(joined.path(), &["trap", "--exit-on-signal"]), json!({"detached": false}));
    sc.spawn("apart", &fixture_argv(apart.path(), &["trap"]), json!({"detached": true}));
    let joined_root = joined.wait_role("root");
    let apart_root = apart.wait_role("root");

    host.signal(libc::SIGINT);
    host.report.wait_until("the host's leader got SIGINT", |l| !signals_in(l, host.pgid()).is_empty());
    joined.wait_until("the joined child got SIGINT", |l| signals_in(l, joined_root.pid) == ["SIGINT"]);
    assert_eq!(sc.wait_exit("joined")["code"], 0, "the joined child exits on its signal");

    // The sidecar is still serving, and the detached tree heard nothing.
    let late = Report::new(dir.report("late"));
    sc.spawn("late", &fixture_argv(late.path(), &["exit", "--code", "3"]), json!({}));
    assert_eq!(sc.wait_exit("late")["code"], 3);
    assert!(apart.signals_of(apart_root.pid).is_empty(), "the detached child was signalled: {:?}", apart.signals());
    assert_eq!(pgrp_of(sc.pid()), sc.pid());
    sc.cancel("apart");
    assert_eq!(sc.wait_exit("apart")["reason"], "cancelled");
    assert_all_gone(&apart, GONE);
}

#[test]
fn a_tree_in_the_hosts_group_is_cancelled_whole_and_the_group_is_never_signalled() {
    let dir = TestDir::new();
    let host = HostGroup::start(&dir);
    let mut sc = host.sidecar(&dir);
    let tree = Report::new(dir.report("tree"));
    sc.spawn("tree", &fixture_argv(tree.path(), &["tree", "--depth", "2", "--width", "2"]), json!({"detached": false}));
    for p in tree.wait_procs(7) {
        assert_eq!(pgrp_of(p.pid), host.pgid(), "every member is in the host's group");
    }
    sc.cancel("tree");
    assert_eq!(sc.wait_exit("tree")["reason"], "cancelled");
    assert_all_gone(&tree, GONE);
    // The host's leader traps SIGTERM: a signal to the group would show.
    assert!(host.report.signals_of(host.pgid()).is_empty(), "the host's group was signalled: {:?}", host.report.signals());
    assert!(stat(host.pgid()).is_some(), "the host's leader is alive");
}

#[test]
fn an_explicit_sigint_to_the_sidecar_still_ends_every_tree_and_it() {
    let dir = TestDir::new();
    let host = HostGroup::start(&dir);
    let mut sc = host.sidecar(&dir);
    let tree = Report::new(dir.report("tree"));
    sc.spawn("tree", &fixture_argv(tree.path(), &["sleep"]), json!({"detached": false}));
    tree.wait_role("root");
    // SAFETY: kill(2) of our own direct child, the sidecar, by its pid.
    assert_eq!(unsafe { libc::kill(sc.pid(), libc::SIGINT) }, 0);
    assert_eq!(sc.wait_exit("tree")["reason"], "cancelled");
    assert!(sc.wait_status(HANG).is_some_and(|s| s.success()), "a SIGINT to the sidecar's own pid still means: end");
    assert_all_gone(&tree, GONE);
}

fn signals_in(lines: &[Value], pid: i32) -> Vec<String> {
    crate::common::report::signals_in(lines, pid)
}
