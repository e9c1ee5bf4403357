//! Hundreds of children through one sidecar: per-child windows and pipes
//! keep every byte of every child intact.

use crate::common::harness::*;

#[test]
fn two_hundred_concurrent_floods_arrive_intact() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("floods"));
    let argv = fixture_argv(report.path(), &["flood", "--bytes", "100000"]);
    let ids: Vec<String> = (0..200).map(|n| format!("flood-{n}")).collect();
    // All requests go out before any answer is read: truly concurrent.
    let reqs: Vec<u64> = ids.iter().map(|id| sc.spawn_req(id, &argv, piped(&["stdout"]))).collect();
    for (id, req) in ids.iter().zip(reqs) {
        assert_eq!(sc.wait_reply(req)["event"], "spawned", "spawn of {id}");
    }
    for id in &ids {
        let out = sc.collect_output(id);
        assert_eq!(out.exit["reason"], "exited", "{id}: {}", out.exit);
        assert_eq!(out.exit["code"], 0, "{id}: {}", out.exit);
        assert_eq!(out.exit["drain"], "complete", "{id}: {}", out.exit);
        assert_pattern(id, &out.stdout, 100_000);
    }
    let roots = report.procs();
    assert_eq!(roots.len(), 200, "200 floods should have reported");
    assert_all_gone(&report, GONE);
}
