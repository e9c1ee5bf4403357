//! What a child and the network can see of the sidecar: a child holds only
//! its own fds 0-2 (never the protocol pipes, the watchdog pipe or another
//! child's pipes), the watchdog holds only its own pipe and /dev/null, the
//! sidecar and its watchdog hold no network socket, and argv reaches the
//! program as it was sent, with no shell in between.

use std::collections::HashSet;

use crate::common::harness::report::procs_in;
use crate::common::harness::*;
use crate::common::procfs::{children_of, fd_links, socket_inodes, socket_tables, stat, watchdog_of, worker_children_of};

/// The watchdog is a fork of the sidecar: of the sidecar's descriptors it
/// may keep none but its own pipe's read end, else the host would not see
/// EOF on the sidecar's stdout when the sidecar dies. It has its own group
/// (and session), so a signal to the sidecar's group leaves it alone.
#[test]
fn the_watchdog_holds_only_its_pipes_and_dev_null_in_a_group_of_its_own() {
    let dir = TestDir::new();
    let sc = Sidecar::start(&dir);
    let dog = watchdog_of(sc.pid()).expect("the sidecar's watchdog");
    let links = fd_links(dog);
    let fds: Vec<i32> = links.iter().map(|(fd, _)| *fd).collect();
    assert_eq!(fds, [0, 1, 2], "the watchdog holds {links:?}");
    assert_eq!(links[2].1.as_str(), "/dev/null", "{links:?}");
    // Fd 0: the sidecar's death reaches it; fd 1: its own death reaches the
    // sidecar. Both pipes' other ends are the sidecar's own, never the host's.
    let sidecar_fds = fd_links(sc.pid());
    for pipe in [&links[0].1, &links[1].1] {
        assert!(pipe.starts_with("pipe:["), "the watchdog holds {pipe}: {links:?}");
        assert!(
            sidecar_fds.iter().any(|(fd, t)| *fd > 2 && t == pipe),
            "the other end of the watchdog's {pipe} is not the sidecar's own: {sidecar_fds:?}"
        );
        assert!(!sidecar_fds.iter().any(|(fd, t)| *fd <= 2 && t == pipe), "the watchdog holds the host's {pipe}");
    }
    assert_ne!(links[0].1, links[1].1, "one pipe for both directions: {links:?}");
    assert_eq!(stat(dog).expect("the watchdog's stat").pgrp, dog, "the watchdog is not its own group leader");
}

#[test]
fn a_child_holds_only_its_own_stdio_while_many_others_are_live() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("sleepers"));
    let all = piped(&["stdin", "stdout", "stderr"]);
    let mut others = HashSet::new();
    for i in 0..20 {
        let pid = sc.spawn(&format!("other-{i}"), &fixture_argv(report.path(), &["sleep"]), all.clone())["pid"].as_i64().unwrap();
        others.extend(fd_links(pid as i32).into_iter().map(|(_, t)| t));
    }
    let sidecar_fds = fd_links(sc.pid());
    let protocol: Vec<&String> = sidecar_fds.iter().filter(|(fd, _)| *fd <= 2).map(|(_, t)| t).collect();
    let pid = sc.spawn("probe", &fixture_argv(report.path(), &["sleep"]), all)["pid"].as_i64().unwrap() as i32;
    let fds = settled_fds(&report, pid);
    eprintln!("sidecar holds {} fds; the probe child holds {fds:?}", sidecar_fds.len());
    assert_eq!(fds.iter().map(|(fd, _)| *fd).collect::<Vec<_>>(), [0, 1, 2], "the child holds other fds: {fds:?}");
    for (fd, target) in &fds {
        assert!(target.starts_with("pipe:["), "fd {fd} of a piped child is {target}");
        assert!(!protocol.contains(&target), "fd {fd} of the child is a protocol pipe of the sidecar: {target}");
        assert!(!others.contains(target), "fd {fd} of the child belongs to another child: {target}");
    }
    // The child's own view agrees (and covers fds opened by the runtime).
    let argv = vec![crate::common::fixture::fixture_path().to_string_lossy().into_owned(), "fds".to_string()];
    sc.spawn("fds", &argv, piped(&["stdin", "stdout", "stderr"]));
    let out = sc.collect_output("fds");
    let seen: Value = serde_json::from_slice(&out.stdout).expect("fds prints JSON");
    assert_eq!(seen["fds"], json!([0, 1, 2]), "{seen}");
    for i in 0..20 {
        sc.cancel(&format!("other-{i}"));
    }
    sc.cancel("probe");
    for i in 0..20 {
        sc.wait_exit(&format!("other-{i}"));
    }
    sc.wait_exit("probe");
    assert_all_gone(&report, GONE);
}

/// The fds of a fixture child once it has nothing of its own open: a child
/// listed the instant it was spawned may still be in its runtime's start-up
/// (glibc reads `/proc/self/maps` to find the main thread's stack, seen as
/// fd 3 on a busy machine) or appending its pid line to the report file. The
/// pid line comes after start-up, so once it is in only that append can hold
/// an fd, and its close follows the write at once: wait for both, bounded by
/// the hang guard. Anything else the child holds is still caught.
fn settled_fds(report: &Report, pid: i32) -> Vec<(i32, String)> {
    report.wait_until(&format!("the pid line of {pid}"), |l| procs_in(l).iter().any(|p| p.pid == pid));
    let file = report.path().canonicalize().expect("the report file exists once a pid line is in");
    let deadline = std::time::Instant::now() + HANG;
    loop {
        let fds = fd_links(pid);
        if !fds.iter().any(|(_, t)| std::path::Path::new(t) == file) {
            return fds;
        }
        assert!(std::time::Instant::now() < deadline, "{pid} kept the report file open for {HANG:?}: {fds:?}");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Each socket among `pid`'s fds must be an unnamed Unix socket (tokio's
/// signal wake-up pair); returns how many there were.
fn assert_no_network_socket(what: &str, pid: i32) -> usize {
    let inodes = socket_inodes(pid);
    for inode in &inodes {
        let tables = socket_tables(pid, inode);
        assert_eq!(tables, ["unix"], "{what} holds socket {inode}, listed in {tables:?}");
        let unix = std::fs::read_to_string(format!("/proc/{pid}/net/unix")).unwrap();
        let line = unix.lines().find(|l| l.split_whitespace().nth(6) == Some(inode.as_str())).unwrap();
        assert_eq!(line.split_whitespace().count(), 7, "{what}'s Unix socket {inode} is bound to a path: {line}");
    }
    inodes.len()
}

#[test]
fn neither_the_sidecar_nor_its_watchdog_opens_a_network_socket() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("work"));
    // Exercise spawning, output, signals and the ladder first.
    sc.spawn("t", &fixture_argv(report.path(), &["trap", "--exit-on-signal"]), piped(&["stdout", "stderr"]));
    report.wait_procs(1);
    let req = sc.signal("t", "SIGUSR1");
    assert_eq!(sc.wait_reply(req)["event"], "signalled");
    sc.wait_exit("t");
    let n = assert_no_network_socket("the sidecar", sc.pid());
    let helpers = children_of(sc.pid());
    let workers = worker_children_of(sc.pid());
    let mut watchdogs = 0;
    for (pid, _) in helpers.iter().filter(|h| !workers.contains(h)) {
        assert_no_network_socket("the watchdog", *pid);
        watchdogs += 1;
    }
    eprintln!("sidecar: {n} unnamed Unix socket(s), no other socket; {watchdogs} watchdog(s) checked");
}

#[test]
fn argv_reaches_the_program_verbatim_without_a_shell() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let mark = dir.path().join("shell-ran");
    let m = mark.to_string_lossy();
    let text = format!("$(touch {m}) `touch {m}`; touch {m} && echo * | cat > {m} 'q' \"dq\" \\ $HOME ~ {{a,b}} \n");
    let mut argv = fixture_argv(&dir.report("verbatim"), &["stderr", "--code", "3", "--text"]);
    argv.push(text.clone());
    sc.spawn("verbatim", &argv, piped(&["stderr"]));
    let out = sc.collect_output("verbatim");
    assert_eq!(out.exit["code"], 3, "{}", out.exit);
    assert_eq!(String::from_utf8_lossy(&out.stderr), text, "the argument was rewritten on its way");
    assert!(!mark.exists(), "a shell ran the argument");

    // A program name with a space is one name, not a command line.
    let req = sc.spawn_req("spaced", &["echo hi".to_string()], json!({}));
    let err = sc.wait_reply(req);
    assert_eq!((err["code"].as_str(), err["errno"].as_str()), (Some("spawn_failed"), Some("ENOENT")), "{err}");

    // A shell runs when, and only when, the argv asks for one.
    let argv: Vec<String> = ["/bin/sh", "-c", "echo $((6 * 7))"].iter().map(|s| s.to_string()).collect();
    sc.spawn("shell", &argv, piped(&["stdout"]));
    assert_eq!(sc.collect_output("shell").stdout, b"42\n");
}
