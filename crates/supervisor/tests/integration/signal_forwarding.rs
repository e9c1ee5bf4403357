//! `signal` delivers to every process of the tree and names them.

use crate::common::harness::*;

/// Sends `signal` to `id`; checks `signalled` lists every reported pid and
/// that every one of them reports receiving it (the `nth` signal it sees).
fn signal_everyone(sc: &mut Sidecar, report: &Report, procs: &[report::Proc], signal: &str, nth: usize) {
    let req = sc.signal("trap", signal);
    let answer = sc.wait_reply(req);
    assert_eq!(answer["event"], "signalled", "signal {signal}: {answer}");
    assert_eq!(answer["id"], "trap", "answer: {answer}");
    assert_eq!(answer["signal"], signal, "answer: {answer}");
    let listed = pids(&answer["pids"]);
    for p in procs {
        assert!(listed.contains(&p.pid), "signalled.pids {listed:?} lacks {p:?}");
    }
    report.wait_until(&format!("{signal} at every node"), |lines| {
        procs.iter().all(|p| report::signals_in(lines, p.pid).get(nth).map(String::as_str) == Some(signal))
    });
}

#[test]
fn signal_reaches_every_node_of_a_trap_tree_in_order() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("trap"));
    let argv = fixture_argv(report.path(), &["trap", "--depth", "1", "--width", "2"]);
    sc.spawn("trap", &argv, json!({}));
    let procs = report.wait_procs(3);
    signal_everyone(&mut sc, &report, &procs, "SIGINT", 0);
    signal_everyone(&mut sc, &report, &procs, "SIGTERM", 1);
    // The trap survives both, so the child is still running.
    assert!(sc.exits_of("trap").is_empty(), "trap exited on a handled signal");
    sc.cancel("trap");
    sc.wait_exit("trap");
    assert_all_gone(&report, GONE);
}

#[test]
fn sighup_and_sigusr1_are_forwarded_too() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("trap"));
    let argv = fixture_argv(report.path(), &["trap", "--depth", "1", "--width", "1"]);
    sc.spawn("trap", &argv, json!({}));
    let procs = report.wait_procs(2);
    signal_everyone(&mut sc, &report, &procs, "SIGHUP", 0);
    signal_everyone(&mut sc, &report, &procs, "SIGUSR1", 1);
    sc.cancel("trap");
    sc.wait_exit("trap");
    assert_all_gone(&report, GONE);
}
