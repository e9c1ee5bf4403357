//! The program is found and started as `execvp` would: on Linux the sidecar
//! owns its fork and exec (clone3, straight into the tree's cgroup), and npm
//! test runs this suite again on std's fork path (PAWWORK_SUPERVISOR_NO_CLONE3),
//! so both must give these same answers.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common::harness::*;

fn write_file(path: &Path, text: &str, mode: u32) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Runs `argv` with `opts` (stdout piped) and returns its stdout and exit code.
fn run(sc: &mut Sidecar, id: &str, argv: &[&str], mut opts: Value) -> (String, Value) {
    opts["stdout"] = json!("pipe");
    let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
    sc.spawn(id, &argv, opts);
    let out = sc.collect_output(id);
    (String::from_utf8_lossy(&out.stdout).into_owned(), out.exit["code"].clone())
}

/// Spawns `argv` and returns the errno of its `spawn_failed` error.
fn spawn_errno(sc: &mut Sidecar, id: &str, argv: &[&str], opts: Value) -> Value {
    let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
    let req = sc.spawn_req(id, &argv, opts);
    let err = sc.wait_reply(req);
    assert_eq!(err["code"], "spawn_failed", "{err}");
    sc.wait_index("exit after the failed spawn", HANG, |e| e.is("exit", id));
    err["errno"].clone()
}

#[test]
fn the_requests_path_is_searched_in_order_past_what_cannot_run() {
    let dir = TestDir::new();
    let (a, b, c) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("c"));
    for d in [&a, &b, &c] {
        std::fs::create_dir(d).unwrap();
    }
    // a: not executable (EACCES, remembered and passed); b: nothing; c: the one.
    write_file(&a.join("pw-tool"), "#!/bin/sh\necho from-a\n", 0o644);
    write_file(&c.join("pw-tool"), "#!/bin/sh\necho from-c\n", 0o755);
    let path = format!("{}:{}:{}:/bin:/usr/bin", a.display(), b.display(), c.display());
    let mut sc = Sidecar::start(&dir);
    let env = json!({"mode": "merge", "vars": {"PATH": path}});
    assert_eq!(run(&mut sc, "found", &["pw-tool"], json!({"env": env})), ("from-c\n".into(), json!(0)));
    // Only a file that may not be run: EACCES, not ENOENT.
    let only_a = json!({"mode": "merge", "vars": {"PATH": format!("{}:{}", a.display(), b.display())}});
    assert_eq!(spawn_errno(&mut sc, "denied", &["pw-tool"], json!({"env": only_a})), "EACCES");
    // Nothing anywhere: ENOENT.
    assert_eq!(spawn_errno(&mut sc, "absent", &["pw-no-such-tool"], json!({"env": env})), "ENOENT");
}

#[test]
fn without_path_the_default_search_path_is_used() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let env = json!({"mode": "replace", "vars": {"PW_ONLY": "1"}});
    // `env` prints exactly the child's environment: no PATH in it, yet found.
    // (Without a cgroup the sidecar adds its tree marker.)
    let (out, code) = run(&mut sc, "env", &["env"], json!({"env": env}));
    let vars: Vec<&str> = out.lines().filter(|l| !l.starts_with("PAWWORK_SUPERVISOR_TREE=")).collect();
    assert_eq!((vars, code), (vec!["PW_ONLY=1"], json!(0)), "env found on /bin:/usr/bin with no PATH in the child");
}

#[test]
fn a_script_without_an_interpreter_line_runs_under_sh() {
    let dir = TestDir::new();
    write_file(&dir.path().join("plain"), "echo plain \"$1\"\n", 0o755);
    let mut sc = Sidecar::start(&dir);
    let env = json!({"mode": "merge", "vars": {"PATH": format!("{}:/bin:/usr/bin", dir.path().display())}});
    assert_eq!(run(&mut sc, "by-path", &["plain", "x"], json!({"env": env})), ("plain x\n".into(), json!(0)));
    let direct = dir.path().join("plain");
    assert_eq!(run(&mut sc, "by-name", &[direct.to_str().unwrap(), "y"], json!({})), ("plain y\n".into(), json!(0)));
}

#[test]
fn a_relative_program_path_is_resolved_in_the_childs_cwd() {
    let dir = TestDir::new();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    write_file(&sub.join("here"), "#!/bin/sh\npwd\n", 0o755);
    let mut sc = Sidecar::start(&dir);
    let (out, code) = run(&mut sc, "rel", &["./here"], json!({"cwd": sub}));
    assert_eq!(code, json!(0));
    assert_eq!(Path::new(out.trim_end()).canonicalize().unwrap(), sub.canonicalize().unwrap());
}

#[test]
fn hello_names_the_spawn_path_and_the_fork_path_can_be_chosen() {
    let dir = TestDir::new();
    let sc = Sidecar::start(&dir);
    let spawn = sc.hello()["capabilities"]["spawn"].clone();
    // npm test's fork-path run sets the variable: it must really get that
    // path, or the run would test clone3 twice.
    if std::env::var_os("PAWWORK_SUPERVISOR_NO_CLONE3").is_some_and(|v| !v.is_empty()) {
        assert_eq!(spawn, "fork", "capabilities.spawn with PAWWORK_SUPERVISOR_NO_CLONE3 set");
    } else {
        assert!(spawn == "clone3" || spawn == "fork", "capabilities.spawn: {spawn}");
    }
}
