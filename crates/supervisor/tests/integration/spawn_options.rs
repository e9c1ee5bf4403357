//! `cwd`, `env` and stream options reach the child as asked.

use crate::common::harness::*;

fn stdout_of(sc: &mut Sidecar, id: &str, argv: &[String], opts: Value) -> String {
    let mut opts = opts;
    opts["stdout"] = json!("pipe");
    sc.spawn(id, argv, opts);
    let out = sc.collect_output(id);
    assert_eq!(out.exit["code"], 0, "{id}: {}", out.exit);
    String::from_utf8(out.stdout).expect("utf-8 output")
}

#[test]
fn cwd_option_sets_the_working_directory() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let argv = fixture_argv(&dir.report("cwd"), &["cwd"]);
    let got = stdout_of(&mut sc, "cwd", &argv, json!({"cwd": dir.path()}));
    assert_eq!(got.trim_end(), dir.path().to_string_lossy(), "cwd printed {got:?}");
}

#[test]
fn env_merge_adds_to_the_inherited_environment() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let argv = fixture_argv(&dir.report("env"), &["env", "PAWWORK_IT_A", "PATH"]);
    let env = json!({"mode": "merge", "vars": {"PAWWORK_IT_A": "a b=c"}});
    let got = stdout_of(&mut sc, "env", &argv, json!({"env": env}));
    assert!(got.lines().any(|l| l == "PAWWORK_IT_A=a b=c"), "env printed {got:?}");
    let path = std::env::var("PATH").unwrap_or_default();
    assert!(got.lines().any(|l| l == format!("PATH={path}")), "PATH was not inherited: {got:?}");
}

#[test]
fn env_replace_passes_only_the_given_variables() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    // No report path in the environment either, so no --report here.
    let argv = vec![crate::common::fixture::fixture_path().to_string_lossy().into_owned(), "env".into()];
    let env = json!({"mode": "replace", "vars": {"ONLY": "1"}});
    let contained = !sc.hello()["capabilities"]["cgroup"].is_null();
    let got = stdout_of(&mut sc, "env", &argv, json!({"env": env}));
    if contained {
        assert_eq!(got, "ONLY=1\n", "env printed {got:?}");
    } else {
        // Without a cgroup the tree is tagged through its environment
        // (docs/reference/design.md, "Fallback without cgroups"): that one variable
        // is added, and nothing else.
        let lines: Vec<&str> = got.lines().collect();
        assert_eq!(lines.len(), 2, "env printed {got:?}");
        assert!(lines.contains(&"ONLY=1"), "env printed {got:?}");
        assert!(lines.iter().any(|l| l.starts_with("PAWWORK_SUPERVISOR_TREE=")), "env printed {got:?}");
    }
}

#[test]
fn stderr_is_kept_apart_from_stdout() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let argv = fixture_argv(&dir.report("stderr"), &["stderr", "--text", "oops", "--code", "3"]);
    sc.spawn("err", &argv, piped(&["stdout", "stderr"]));
    let out = sc.collect_output("err");
    assert_eq!(out.exit["code"], 3, "exit: {}", out.exit);
    assert_eq!(out.stderr, b"oops", "stderr: {:?}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty(), "stdout: {:?}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn ignored_streams_produce_no_output_events_and_drain_none() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let argv = fixture_argv(&dir.report("flood"), &["flood", "--bytes", "100000", "--stream", "both"]);
    sc.spawn("quiet", &argv, json!({}));
    let out = sc.collect_output("quiet");
    assert_eq!(out.exit["code"], 0, "exit: {}", out.exit);
    assert_eq!(out.exit["drain"], "none", "nothing was piped: {}", out.exit);
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
}
