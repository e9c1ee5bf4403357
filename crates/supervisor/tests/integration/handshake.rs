//! `hello` is the first frame and announces what a client must check.

use crate::common::harness::*;

#[test]
fn hello_comes_first_with_protocol_1_and_its_limits() {
    let dir = TestDir::new();
    let sc = Sidecar::start(&dir); // fails unless the first frame is hello
    let h = sc.hello().clone();
    assert_eq!(h["protocol"], 1, "hello: {h}");
    assert_eq!(h["pid"].as_i64(), Some(sc.pid() as i64), "hello.pid is not the sidecar's pid: {h}");
    assert!(h["version"].as_str().is_some_and(|v| !v.is_empty()), "hello.version: {h}");
    assert_eq!(h["platform"]["os"], "linux", "hello.platform: {h}");

    let limits = &h["limits"];
    assert_eq!(limits["max_header"], 1048576 + 6 * 6 * 1048576, "limits: {limits}");
    assert_eq!(limits["max_payload"], 16777216, "limits: {limits}");
    for key in ["max_children", "output_window", "stdin_queue"] {
        assert!(limits[key].as_u64().is_some_and(|n| n > 0), "limits.{key} missing: {limits}");
    }

    let d = &h["defaults"];
    assert_eq!(d["grace_ms"], 500, "defaults: {d}");
    assert_eq!(d["signal"], "SIGTERM", "defaults: {d}");
    assert_eq!(d["drain_timeout_ms"], 2000, "defaults: {d}");
    assert_eq!(d["leftovers"], "kill", "defaults: {d}");
}

#[test]
fn hello_capabilities_describe_this_machine() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let caps = sc.hello()["capabilities"].clone();
    assert_eq!(caps["backend"], "unix", "capabilities: {caps}");
    assert_eq!(caps["process_group"], true, "capabilities: {caps}");
    assert_eq!(caps["job_objects"], false, "capabilities: {caps}");
    let signals: Vec<&str> = caps["signals"]
        .as_array()
        .unwrap_or_else(|| panic!("capabilities.signals is not an array: {caps}"))
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    for sig in ["SIGTERM", "SIGINT", "SIGKILL", "SIGHUP", "SIGUSR1"] {
        assert!(signals.contains(&sig), "{sig} missing from capabilities.signals {signals:?}");
    }
    // Runs that know which containment this machine must give say so
    // (scripts/as-user.sh as an ordinary user, npm test's no-cgroup pass):
    // the sidecar must have chosen it, not quietly the other one.
    match std::env::var("PAWWORK_EXPECT_CONTAINMENT").as_deref() {
        Ok("cgroup") => assert!(caps["cgroup"].is_string(), "expected cgroup containment: {caps}"),
        Ok("fallback") => assert!(caps["cgroup"].is_null(), "expected the fallback (no cgroup): {caps}"),
        Ok(other) => panic!("PAWWORK_EXPECT_CONTAINMENT must be cgroup or fallback, got {other:?}"),
        Err(_) => {}
    }
    // A cgroup claim must be true: a spawned child sits in a cgroup below it.
    match &caps["cgroup"] {
        serde_json::Value::Null => {
            let spawned = sc.spawn("c1", &fixture_argv(&dir.report("sleep"), &["sleep"]), json!({}));
            assert_eq!(spawned["containment"], "marker", "no cgroup hierarchy, yet: {spawned}");
            sc.cancel("c1");
            sc.wait_exit("c1");
        }
        serde_json::Value::String(path) => {
            let report = Report::new(dir.report("sleep"));
            let spawned = sc.spawn("c1", &fixture_argv(report.path(), &["sleep"]), json!({}));
            assert_eq!(spawned["containment"], "cgroup", "{spawned}");
            let pid = spawned["pid"].as_i64().unwrap();
            report.wait_role("root");
            let members = leaks::cgroup_members(std::path::Path::new(path));
            assert!(
                members.contains(&(pid as i32)),
                "capabilities.cgroup is {path}, but child pid {pid} is in no cgroup.procs below it"
            );
            sc.cancel("c1");
            sc.wait_exit("c1");
            assert_all_gone(&report, GONE);
        }
        other => panic!("capabilities.cgroup must be a string or null, got {other}"),
    }
}
