//! `terminate` ends trees the sidecar did not start (PawWork's PTY, a shell
//! started elsewhere). Each tree here is started by the test itself with
//! `std::process::Command`, so it is a sibling of the sidecar, never its
//! descendant; the fixture's report file names every member with its start
//! time, and the leak checks use that guard.

use std::process::{Child, Command};
use std::time::Duration;

use crate::common::procfs::{stat, watchdog_of};
use crate::common::harness::*;

/// A fixture tree started outside the sidecar. Dropping it reaps the root
/// (the test is its parent); `TestDir` kills any survivor by pid + start.
struct Foreign {
    child: Child,
    report: Report,
}

impl Foreign {
    fn start(dir: &TestDir, name: &str, args: &[&str]) -> Foreign {
        let report = Report::new(dir.report(name));
        let argv = fixture_argv(report.path(), args);
        let child = Command::new(&argv[0]).args(&argv[1..]).spawn().expect("start a foreign fixture tree");
        Foreign { child, report }
    }

    fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// How the root ended, if it has, for a failure's message: a root ended
    /// before the walk found its members leaves them orphaned, out of reach.
    fn root_status(&mut self) -> String {
        match self.child.try_wait() {
            Ok(Some(status)) => format!("the root ended: {status}"),
            Ok(None) => "the root still runs".into(),
            Err(e) => format!("the root's status is unknown: {e}"),
        }
    }
}

impl Drop for Foreign {
    fn drop(&mut self) {
        // Our own unreaped child: its pid cannot have been recycled, so
        // Child::kill (by number) can only reach it.
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

fn terminate(sc: &mut Sidecar, pid: Value, extra: Value) -> Value {
    let mut req = json!({"op": "terminate", "pid": pid});
    for (k, v) in extra.as_object().unwrap() {
        req[k] = v.clone();
    }
    let r = sc.request(req);
    sc.wait_reply(r)
}

fn sorted(mut v: Vec<i32>) -> Vec<i32> {
    v.sort_unstable();
    v
}

#[test]
fn terminate_ends_a_foreign_tree_and_every_member_is_gone() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let bystander = Bystander::start(&mut sc, &dir);
    let mut f = Foreign::start(&dir, "tree", &["tree", "--depth", "2", "--width", "2"]);
    let procs = f.report.wait_procs(7);
    let ev = terminate(&mut sc, json!(f.pid()), json!({}));
    assert_eq!(ev["event"], "terminated", "{ev}");
    assert_eq!(ev["pid"], f.pid(), "{ev}");
    let found = sorted(pids(&ev["pids"]));
    assert_eq!(found, sorted(procs.iter().map(|p| p.pid).collect()), "every member found: {ev}; {}", f.root_status());
    assert_eq!(ev["pids"][0], f.pid(), "root first: {ev}");
    assert_eq!(ev["graceful"], true, "{ev}");
    assert_eq!(ev["quiet"], true, "{ev}");
    assert_eq!(ev["capped"], false, "{ev}");
    assert_all_gone(&f.report, GONE);
    // Other children's traffic went on undisturbed meanwhile.
    bystander.assert_unharmed(&mut sc);
}

#[test]
fn terminate_catches_a_member_born_during_the_cancel() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let mut f = Foreign::start(&dir, "grow", &["spawn-on-term"]);
    let root = f.report.wait_role("root");
    // The root forks a SIGTERM-ignoring grandchild when SIGTERM arrives and
    // lives 2 s more; a 1500 ms grace lets it fork well before the forceful
    // step, and the grandchild must still be found and killed.
    let ev = terminate(&mut sc, json!(root.pid), json!({"grace_ms": 1500}));
    assert_eq!(ev["event"], "terminated", "{ev}");
    let lines = f.report.lines();
    assert_eq!(report::signals_in(&lines, root.pid).first().map(String::as_str), Some("SIGTERM"), "{lines:?}; {}", f.root_status());
    let grandchild = report::procs_in(&lines)
        .into_iter()
        .find(|p| p.role == "grandchild")
        .unwrap_or_else(|| panic!("the root did not fork during the cancel; report: {lines:?}"));
    assert!(pids(&ev["pids"]).contains(&grandchild.pid), "the newborn is a member: {ev}");
    assert!(pids(&ev["killed_pids"]).contains(&grandchild.pid), "it ignores SIGTERM, so SIGKILL ended it: {ev}");
    assert_all_gone(&f.report, GONE);
}

#[test]
fn terminate_holds_a_newborn_whose_parent_exits_during_the_grace() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let f = Foreign::start(&dir, "orphaned", &["spawn-on-term"]);
    let root = f.report.wait_role("root");
    // The root exits 2 s after SIGTERM, orphaning its newborn grandchild
    // (re-parented away, out of reach of parent links); a 4 s grace outlasts
    // it, so only a member adopted during the grace can still be killed.
    let ev = terminate(&mut sc, json!(root.pid), json!({"grace_ms": 4000}));
    assert_eq!(ev["event"], "terminated", "{ev}");
    let grandchild = f.report.wait_role("grandchild");
    assert!(pids(&ev["killed_pids"]).contains(&grandchild.pid), "the orphaned newborn was held and killed: {ev}");
    assert!(!pids(&ev["killed_pids"]).contains(&root.pid), "the root exited on its own: {ev}");
    assert_all_gone(&f.report, GONE);
}

#[test]
fn terminate_ends_a_fork_storm_in_progress() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let f = Foreign::start(&dir, "storm", &["fork-storm", "--ms", "5000"]);
    // Terminate mid-storm, while children are being born and dying: the
    // freeze must close the set (bounded), and nothing may survive.
    f.report.wait_until("20 storm children", |lines| {
        report::procs_in(lines).iter().filter(|p| p.role == "storm").count() >= 20
    });
    let ev = terminate(&mut sc, json!(f.pid()), json!({}));
    assert_eq!(ev["event"], "terminated", "{ev}");
    assert_eq!(ev["quiet"], true, "{ev}");
    assert_all_gone(&f.report, GONE);
}

#[test]
fn terminate_kills_sigterm_ignoring_members_after_the_grace() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let f = Foreign::start(&dir, "stubborn", &["ignore-term", "--children", "2"]);
    let procs = f.report.wait_procs(3);
    let ev = terminate(&mut sc, json!(f.pid()), json!({"grace_ms": 300}));
    assert_eq!(ev["event"], "terminated", "{ev}");
    assert_eq!(ev["graceful"], true, "SIGTERM was delivered, and ignored: {ev}");
    let all = sorted(procs.iter().map(|p| p.pid).collect());
    assert_eq!(sorted(pids(&ev["killed_pids"])), all, "all three outlived the grace: {ev}");
    // A lower bound, not a speed claim: the grace was waited out in full.
    assert!(ev["duration_ms"].as_u64().unwrap() >= 300, "{ev}");
    assert_all_gone(&f.report, GONE);
}

#[test]
fn terminate_ends_a_stopped_member() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let mut f = Foreign::start(&dir, "stopped", &["stopped-member"]);
    let child = f.report.wait_role("child");
    // Hang guard: the child stops itself right after its pid line.
    let deadline = std::time::Instant::now() + HANG;
    while stat(child.pid).map(|s| s.state) != Some('T') {
        assert!(std::time::Instant::now() < deadline, "the member never stopped");
        std::thread::sleep(Duration::from_millis(10));
    }
    let ev = terminate(&mut sc, json!(f.pid()), json!({}));
    assert_eq!(ev["event"], "terminated", "{ev}");
    assert!(pids(&ev["pids"]).contains(&child.pid), "{ev}; {}", f.root_status());
    assert_all_gone(&f.report, GONE);
}

#[test]
fn terminate_of_a_pid_that_does_not_exist_ends_nothing() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    // Above Linux's PID_MAX_LIMIT (4194304): no process can have it.
    let ev = terminate(&mut sc, json!(i32::MAX - 1), json!({}));
    assert_eq!(ev["event"], "terminated", "{ev}");
    assert_eq!(ev["pids"], json!([]), "{ev}");
    assert_eq!(ev["killed_pids"], json!([]), "{ev}");
    assert_eq!(ev["graceful"], false, "{ev}");
}

fn pgid_of(pid: i32) -> i32 {
    stat(pid).unwrap_or_else(|| panic!("no /proc/{pid}/stat")).pgrp
}

#[test]
fn terminate_refuses_protected_pids_and_signals_nothing() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    // A supervised tree that reports every signal it gets: refusals must
    // leave it (and everything else) untouched.
    let trap = Report::new(dir.report("trap"));
    sc.spawn("trap", &fixture_argv(trap.path(), &["trap", "--depth", "1", "--width", "1"]), json!({}));
    let procs = trap.wait_procs(2);
    let node = procs.iter().find(|p| p.role == "node").unwrap().clone();
    let root = procs.iter().find(|p| p.role == "root").unwrap().clone();

    let me = std::process::id() as i32;
    let mut bad: Vec<Value> = vec![json!(0), json!(1), json!(-1), json!(-me), json!("42"), json!(2.5), json!(1u64 << 40)];
    bad.push(json!(sc.pid()));
    bad.push(json!(me)); // the sidecar's parent: its host
    bad.push(json!(pgid_of(sc.pid())));
    let dog = watchdog_of(sc.pid()).expect("the sidecar's watchdog");
    bad.push(json!(dog));
    for pid in &bad {
        let ev = terminate(&mut sc, pid.clone(), json!({}));
        assert_eq!(ev["event"], "error", "pid {pid}: {ev}");
        assert_eq!(ev["code"], "bad_pid", "pid {pid}: {ev}");
    }
    for pid in [root.pid, node.pid] {
        let ev = terminate(&mut sc, json!(pid), json!({}));
        assert_eq!(ev["code"], "supervised_pid", "pid {pid}: {ev}");
        assert_eq!(ev["id"], "trap", "the error names the child to cancel: {ev}");
    }
    assert_in_sync(&mut sc, &dir, "after");
    for p in [&root, &node] {
        assert!(leaks::alive(p.pid, &p.start), "{} died", p.role);
        assert!(trap.signals_of(p.pid).is_empty(), "{} got a signal from a refused terminate", p.role);
    }
    assert!(sc.exits_of("trap").is_empty());
    sc.cancel("trap");
    sc.wait_exit("trap");
    assert_all_gone(&trap, GONE);
}
