//! Children start clean whatever state the sidecar itself inherited: only
//! fds 0, 1, 2, no blocked and no ignored signals, their own process group.

use std::os::unix::process::CommandExt;

use crate::common::procfs::stat;
use crate::common::harness::*;

/// Runs `fds` with the given stdin mode and returns its parsed report.
fn fds_report(sc: &mut Sidecar, id: &str, stdin: &str) -> Value {
    let argv = vec![crate::common::fixture::fixture_path().to_string_lossy().into_owned(), "fds".to_string()];
    sc.spawn(id, &argv, json!({"stdin": stdin, "stdout": "pipe"}));
    let out = sc.collect_output(id);
    assert_eq!(out.exit["code"], 0, "fds failed: {}; stderr {:?}", out.exit, String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("fds printed no JSON ({e}): {:?}", String::from_utf8_lossy(&out.stdout)))
}

fn assert_clean(what: &str, r: &Value) {
    assert_eq!(r["fds"], json!([0, 1, 2]), "{what}: the child holds other fds: {r}");
    assert_eq!(r["sig_blocked"], "0000000000000000", "{what}: the child has blocked signals: {r}");
    assert_eq!(r["sig_ignored"], "0000000000000000", "{what}: the child ignores signals: {r}");
}

#[test]
fn child_with_stdin_ignored_has_only_stdio_and_clean_signals() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    assert_clean("stdin ignore", &fds_report(&mut sc, "fds", "ignore"));
}

#[test]
fn child_with_stdin_piped_has_only_stdio_and_clean_signals() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    assert_clean("stdin pipe", &fds_report(&mut sc, "fds", "pipe"));
}

#[test]
fn sidecar_inherited_fd_and_signal_state_do_not_reach_the_child() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start_with(&dir, |cmd| {
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                // fd 9 without CLOEXEC (dup2 clears it), SIGINT ignored,
                // SIGUSR2 blocked: all of it survives exec into the sidecar.
                if libc::dup2(2, 9) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                libc::signal(libc::SIGINT, libc::SIG_IGN);
                let mut set: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut set);
                libc::sigaddset(&mut set, libc::SIGUSR2);
                libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
                Ok(())
            });
        }
    });
    let status = std::fs::read_to_string(format!("/proc/{}/status", sc.pid())).unwrap_or_default();
    eprintln!(
        "sidecar fd 9 present: {}; {}",
        std::path::Path::new(&format!("/proc/{}/fd/9", sc.pid())).exists(),
        status.lines().filter(|l| l.starts_with("Sig")).collect::<Vec<_>>().join("; ")
    );
    assert_clean("tainted sidecar, stdin ignore", &fds_report(&mut sc, "a", "ignore"));
    assert_clean("tainted sidecar, stdin pipe", &fds_report(&mut sc, "b", "pipe"));
}

#[test]
fn child_leads_its_own_process_group() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("sleep"));
    let spawned = sc.spawn("sleep", &fixture_argv(report.path(), &["sleep"]), json!({}));
    let pid = spawned["pid"].as_i64().unwrap();
    assert_eq!(spawned["pgid"], pid, "spawned: {spawned}");
    let pgrp = stat(pid as i32).expect("the child's /proc stat").pgrp;
    assert_eq!(i64::from(pgrp), pid, "the child is not in its own process group");
    let root = report.wait_role("root");
    assert_eq!(root.pid as i64, pid, "spawned.pid is not the process that ran");
    sc.cancel("sleep");
    sc.wait_exit("sleep");
    assert_all_gone(&report, GONE);
}
