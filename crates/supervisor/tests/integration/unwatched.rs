//! No tree runs on with nothing watching it. A sidecar that can no longer
//! report to its host (the host closed its end of stdout, stdin still open)
//! takes the host as gone and ends every tree; a watchdog that dies is
//! replaced, so the sidecar's death still ends every tree after it.

use std::io::Write;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::client::{decode, encode, Decoded};
use crate::common::harness::*;
use crate::common::procfs::{stat, watchdog_of};

/// The ladder's default grace (hello.defaults.grace_ms), which the
/// SIGTERM-ignoring tree sits out, plus the one second the product promises
/// (README, "Guarantees"): measured from the moment the host let go.
const PROMISE: Duration = Duration::from_millis(500 + 1000);

/// A sidecar spoken to without the harness's reader thread, so the test
/// itself holds the read end of its stdout and can close it.
struct Bare {
    child: Child,
    stdin: ChildStdin,
    stdout: Option<ChildStdout>,
    next_req: u64,
}

impl Bare {
    fn start(dir: &TestDir) -> Bare {
        let log = std::fs::File::create(dir.path().join("sidecar.stderr")).expect("create the sidecar log");
        let mut child = Command::new(fixture::SIDECAR)
            .env("PAWWORK_SUPERVISOR_LOG", "info")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start pawwork-supervisor");
        let (stdin, stdout) = (child.stdin.take().unwrap(), child.stdout.take());
        let mut bare = Bare { child, stdin, stdout, next_req: 1 };
        assert_eq!(bare.next_event()["event"], "hello");
        bare
    }

    fn next_event(&mut self) -> Value {
        match decode(self.stdout.as_mut().expect("stdout still open")) {
            Ok(Decoded::Frame(header, _)) => header,
            Ok(Decoded::Eof) => panic!("the sidecar closed its stdout"),
            Err(e) => panic!("reading the sidecar: {e}"),
        }
    }

    /// Spawns and reads up to its `spawned` (output of earlier children is
    /// read past, never acked: their windows fill).
    fn spawn(&mut self, id: &str, argv: &[String], opts: Value) {
        let mut header = json!({"op": "spawn", "req": self.next_req, "id": id, "argv": argv});
        for (k, v) in opts.as_object().unwrap() {
            header[k] = v.clone();
        }
        self.next_req += 1;
        self.stdin.write_all(&encode(&header, &[])).expect("send a spawn");
        loop {
            let ev = self.next_event();
            if ev["id"] == id {
                assert_eq!(ev["event"], "spawned", "{ev}");
                return;
            }
        }
    }
}

impl Drop for Bare {
    fn drop(&mut self) {
        // Our own direct child, by its pid: safe. Only reached if a test failed.
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A deep tree, an orphaned grandchild, a `setsid` daemon, a SIGTERM-ignoring
/// pair, and a flood whose output nobody acks.
fn start_trees(sc: &mut Bare, dir: &TestDir) -> Vec<Report> {
    let trees: [(&str, &[&str], usize, Value); 5] = [
        ("deep", &["tree", "--depth", "3", "--width", "1"], 4, json!({})),
        ("orphan", &["orphan"], 3, json!({})),
        ("daemon", &["daemon"], 3, json!({})),
        ("stubborn", &["ignore-term", "--children", "1"], 2, json!({})),
        ("flood", &["flood", "--bytes", "1073741824"], 1, piped(&["stdout"])),
    ];
    let mut reports = Vec::new();
    for (id, args, n, opts) in trees {
        let report = Report::new(dir.report(id));
        sc.spawn(id, &fixture_argv(report.path(), args), opts);
        reports.push((report, n));
    }
    for (report, n) in &reports {
        report.wait_procs(*n);
    }
    reports.into_iter().map(|(r, _)| r).collect()
}

#[test]
fn a_host_that_closes_its_end_of_stdout_has_every_tree_ended_as_if_gone() {
    let dir = TestDir::new();
    let mut sc = Bare::start(&dir);
    let reports = start_trees(&mut sc, &dir);
    let closed_at = Instant::now();
    drop(sc.stdout.take());
    for report in &reports {
        assert_all_gone(report, PROMISE.saturating_sub(closed_at.elapsed()));
    }
    // Its stdin is still open: the sidecar exits because its host is gone.
    let deadline = Instant::now() + HANG;
    let status = loop {
        if let Some(status) = sc.child.try_wait().expect("try_wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "the sidecar still runs {HANG:?} after its host closed stdout");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "the sidecar exited with {status}");
}

/// The sidecar's watchdog as (pid, start time), once it has its name.
fn watchdog(sc: &Sidecar, not: Option<i32>) -> (i32, String) {
    let deadline = Instant::now() + HANG;
    loop {
        if let Some(dog) = watchdog_of(sc.pid()).filter(|d| Some(*d) != not) {
            if let Some(st) = stat(dog) {
                return (dog, st.start);
            }
        }
        assert!(Instant::now() < deadline, "no new watchdog under sidecar {} after {HANG:?}", sc.pid());
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// SIGKILL of one process, by positive pid, after re-checking its start time.
fn kill_checked((pid, start): &(i32, String)) {
    assert!(*pid > 1 && *pid != std::process::id() as i32, "refusing to signal pid {pid}");
    assert!(leaks::alive(*pid, start), "pid {pid} is no longer the process it was");
    // SAFETY: kill(2) on one positive pid, validated just above.
    assert_eq!(unsafe { libc::kill(*pid, libc::SIGKILL) }, 0, "kill {pid}");
}

#[test]
fn a_watchdog_killed_before_its_sidecar_is_replaced_and_the_sidecars_death_still_ends_every_tree() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let reports = start_tree_kinds(&mut sc, &dir);
    let first = watchdog(&sc, None);
    kill_checked(&first);
    let second = watchdog(&sc, Some(first.0));
    // The replacement runs the sidecar's binary under the watchdog's name,
    // in a session of its own.
    assert_eq!(stat(second.0).expect("the new watchdog").pgrp, second.0, "the new watchdog leads no group of its own");
    // The sidecar's pid is taken as a protected one for terminate, so the
    // replacement is too.
    let req = sc.request(json!({"op": "terminate", "pid": second.0}));
    assert_eq!(sc.wait_error(req), "bad_pid", "terminate of the new watchdog was not refused");
    let killed_at = Instant::now();
    sc.kill_sidecar();
    for report in &reports {
        assert_all_gone(report, PROMISE.saturating_sub(killed_at.elapsed()));
    }
    let deadline = Instant::now() + GONE;
    while leaks::alive(second.0, &second.1) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!leaks::alive(second.0, &second.1), "the new watchdog outlived its sidecar by {GONE:?}");
}

/// Watchdogs that die as fast as they are started are not replaced for
/// ever: the sidecar ends every tree itself, says why, and exits.
#[test]
fn a_sidecar_that_cannot_keep_a_watchdog_ends_every_tree_and_exits() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let reports = start_tree_kinds(&mut sc, &dir);
    let mut dog = watchdog(&sc, None);
    // Each replacement is killed as soon as it is seen: three in a row that
    // die within a second of their start end it (a late kill only resets
    // the count, hence up to ten).
    for _ in 0..10 {
        kill_checked(&dog);
        let deadline = Instant::now() + HANG;
        let next = loop {
            if let Some(d) = watchdog_of(sc.pid()).filter(|d| *d != dog.0) {
                if let Some(st) = stat(d) {
                    break Some((d, st.start));
                }
            }
            sc.pump(Duration::from_millis(5));
            if sc.events().iter().any(|e| e.name() == "goodbye") {
                break None;
            }
            assert!(Instant::now() < deadline, "neither a new watchdog nor a goodbye after {HANG:?}");
        };
        match next {
            Some(d) => dog = d,
            None => break,
        }
    }
    let goodbye = sc.wait_index("the goodbye", HANG, |e| e.name() == "goodbye");
    let why = sc.events()[..goodbye].iter().find(|e| e.name() == "error" && e.req().is_none()).map(|e| e.header.clone());
    let why = why.unwrap_or_else(|| panic!("no error before the goodbye said why the sidecar stopped"));
    assert_eq!(why["code"], "shutting_down", "{why}");
    assert!(why["message"].as_str().is_some_and(|m| m.contains("watchdog")), "{why}");
    for id in ["deep", "orphan", "daemon", "stubborn"] {
        assert_eq!(sc.wait_exit(id)["reason"], "cancelled");
    }
    for report in &reports {
        assert_all_gone(report, GONE);
    }
    assert!(sc.wait_status(HANG).is_some_and(|s| s.success()), "the sidecar did not exit 0");
}

/// A tree whose cgroup cannot be created (here `cgroup.max.descendants`)
/// still runs, contained by group, subreaper and marker, and says so in
/// `spawned`; a cancel and the sidecar's death end it like any other.
#[test]
fn a_tree_whose_cgroup_cannot_be_created_runs_contained_by_its_marker() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let Some(subtree) = sc.hello()["capabilities"]["cgroup"].as_str().map(std::path::PathBuf::from) else {
        eprintln!("not run: the sidecar has no cgroup containment here, so no cgroup can fail to be created");
        return;
    };
    if let Err(e) = std::fs::write(subtree.join("cgroup.max.descendants"), "2") {
        eprintln!("not run: cannot limit the sidecar's cgroup subtree ({e})");
        return;
    }
    let mut reports = Vec::new();
    let kinds: [(&str, &[&str], &str); 4] =
        [("cg1", &["sleep"], "cgroup"), ("cg2", &["sleep"], "cgroup"), ("m1", &["daemon"], "marker"), ("m2", &["daemon"], "marker")];
    for (id, args, containment) in kinds {
        let report = Report::new(dir.report(id));
        let spawned = sc.spawn(id, &fixture_argv(report.path(), args), json!({}));
        assert_eq!(spawned["containment"], containment, "{id}: {spawned}");
        reports.push(report);
    }
    for report in &reports[2..] {
        report.wait_procs(3);
        report.wait_role("daemon");
    }
    sc.cancel("m1");
    assert_eq!(sc.wait_exit("m1")["reason"], "cancelled");
    assert_all_gone(&reports[2], GONE);
    let killed_at = Instant::now();
    sc.kill_sidecar();
    for report in [&reports[0], &reports[1], &reports[3]] {
        assert_all_gone(report, PROMISE.saturating_sub(killed_at.elapsed()));
    }
}
