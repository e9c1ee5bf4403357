//! When the host goes away (stdin EOF) or asks to `shutdown`, every tree is
//! ended before the sidecar exits 0: it never leaves a child behind.

use crate::common::harness::*;

/// Starts four kinds of trees, each reporting into its own file, and waits
/// until each is complete. Returns (id, report) pairs.
fn start_trees(sc: &mut Sidecar, dir: &TestDir) -> Vec<(&'static str, Report)> {
    let trees: [(&str, &[&str], usize); 4] = [
        ("tree", &["tree", "--depth", "2", "--width", "2"], 7),
        ("orphan", &["orphan"], 2),
        ("daemon", &["daemon"], 2),
        ("stubborn", &["ignore-term", "--children", "1"], 2),
    ];
    let mut out = Vec::new();
    for (id, args, _) in trees {
        let report = Report::new(dir.report(id));
        sc.spawn(id, &fixture_argv(report.path(), args), json!({}));
        out.push((id, report));
    }
    for ((_, report), (_, _, n)) in out.iter().zip(trees) {
        report.wait_procs(n);
    }
    out[1].1.wait_role("grandchild");
    out[2].1.wait_role("daemon");
    out
}

#[test]
fn closing_stdin_ends_every_tree_and_exits_zero() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let trees = start_trees(&mut sc, &dir);
    sc.close_stdin();
    let status = sc.wait_status(HANG);
    assert!(status.is_some(), "sidecar still running {HANG:?} after stdin EOF");
    assert!(status.unwrap().success(), "sidecar exited with {status:?} after stdin EOF");
    for (id, report) in &trees {
        // Stdout stayed open (we kept reading), so the exits were written.
        let exits = sc.exits_of(id);
        assert_eq!(exits.len(), 1, "exits of {id}: {exits:?}");
        assert_eq!(exits[0]["reason"], "cancelled", "exit of {id}: {}", exits[0]);
        assert_all_gone(report, GONE);
    }
}

#[test]
fn shutdown_ends_every_tree_then_says_goodbye_and_exits_zero() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let trees = start_trees(&mut sc, &dir);
    let req = sc.shutdown();
    let goodbye = sc.wait_index("goodbye", HANG, |e| e.name() == "goodbye");
    assert_eq!(sc.events()[goodbye].req(), Some(req), "goodbye: {}", sc.events()[goodbye].brief());
    for (id, report) in &trees {
        let exit = sc.events().iter().position(|e| e.is("exit", id));
        assert!(
            exit.is_some_and(|i| i < goodbye),
            "exit of {id} must come before goodbye (exit at {exit:?}, goodbye at {goodbye})"
        );
        assert_eq!(sc.wait_exit(id)["reason"], "cancelled");
        assert_all_gone(report, GONE);
    }
    // Without closing stdin: shutdown alone makes the sidecar exit.
    let status = sc.wait_status(HANG);
    assert!(status.is_some_and(|s| s.success()), "after goodbye the sidecar exits 0, got {status:?}");
}

#[test]
fn spawn_during_shutdown_is_refused() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("stubborn"));
    // Ignores SIGTERM: the shutdown takes a whole grace, long enough for the
    // spawn behind it to arrive mid-shutdown.
    let argv = fixture_argv(report.path(), &["ignore-term"]);
    sc.spawn("stubborn", &argv, json!({"ladder": {"grace_ms": 2000}}));
    report.wait_role("root");
    sc.shutdown();
    let late = sc.spawn_req("late", &fixture_argv(&dir.report("late"), &["sleep"]), json!({}));
    assert_eq!(sc.wait_error(late), "shutting_down");
    sc.wait_event("goodbye", |e| e.name() == "goodbye");
    assert!(sc.wait_status(HANG).is_some_and(|s| s.success()));
    assert_all_gone(&report, GONE);
    assert!(Report::new(dir.report("late")).procs().is_empty(), "the refused spawn ran anyway");
}

/// Beyond protocol.md, which promises cleanup on a normal exit only: the
/// sidecar dying outright (SIGKILL, OOM) must not leave its trees running.
#[test]
fn sidecar_killed_outright_takes_its_trees_with_it() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let trees = start_trees(&mut sc, &dir);
    sc.kill_sidecar();
    for (_, report) in &trees {
        assert_all_gone(report, HANG);
    }
}
