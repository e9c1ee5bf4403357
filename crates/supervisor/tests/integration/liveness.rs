//! `ping` is answered by `pong` from the dispatch loop, whatever else is
//! going on: how a client tells a sidecar that still serves requests from
//! one that stopped (docs/reference/protocol.md, "Liveness").

use crate::common::harness::*;

#[test]
fn a_ping_is_answered_by_a_pong_with_its_req() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let req = sc.request(json!({"op": "ping"}));
    assert_eq!(sc.wait_reply(req), json!({"event": "pong", "req": req}));
}

/// During a shutdown that waits for a SIGTERM-ignoring tree, a ping is still
/// answered, before the `goodbye`.
#[test]
fn a_ping_is_answered_while_a_shutdown_waits_for_its_trees() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("stubborn"));
    sc.spawn("stubborn", &fixture_argv(report.path(), &["ignore-term"]), json!({"ladder": {"grace_ms": 2000}}));
    report.wait_procs(1);
    let bye = sc.shutdown();
    let req = sc.request(json!({"op": "ping"}));
    let pong = sc.wait_index("the pong", HANG, |e| e.req() == Some(req));
    assert_eq!(sc.events()[pong].name(), "pong", "{}", sc.events()[pong].brief());
    let goodbye = sc.wait_index("the goodbye", HANG, |e| e.req() == Some(bye));
    assert!(pong < goodbye, "the pong came after the goodbye");
    assert_all_gone(&report, GONE);
}
