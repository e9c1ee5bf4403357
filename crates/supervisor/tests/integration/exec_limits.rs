//! The protocol carries every command line the kernel admits: the kernel,
//! not a frame limit, decides what runs (docs/reference/protocol.md, "Framing"). What
//! it refuses is answered like any failed exec: `spawn_failed`, `E2BIG`.

use crate::common::harness::*;

/// The kernel's own bound per string, NUL included (`MAX_ARG_STRLEN`: 32
/// pages of 4 KiB).
const ARG_STRLEN: usize = 32 * 4096;

/// Bytes of argument and environment strings `execve` admits here: a
/// quarter of the stack limit (glibc's `sysconf`), capped by the kernel at
/// 6 MiB.
fn strings_limit() -> usize {
    // SAFETY: sysconf only reads a system value.
    let arg_max = unsafe { libc::sysconf(libc::_SC_ARG_MAX) };
    (arg_max as usize).min(6 << 20)
}

/// `sh -c 'printf %s $#' sh ARGS...` with ARGS filling `total` bytes as the
/// kernel counts them (each string, its NUL and its pointer; the program's
/// path), in strings of control bytes, the worst case for JSON (`\u0001`).
fn counting_argv(total: usize) -> Vec<String> {
    let mut argv: Vec<String> = ["/bin/sh", "-c", "printf %s $#", "sh"].iter().map(|s| s.to_string()).collect();
    let mut used = "/bin/sh".len() + 1 + argv.iter().map(|a| a.len() + 1 + 8).sum::<usize>();
    while used + 8 + 2 <= total {
        let len = (ARG_STRLEN - 1).min(total - used - 8 - 1);
        argv.push("\u{1}".repeat(len));
        used += len + 1 + 8;
    }
    argv
}

#[test]
fn a_command_line_just_under_the_kernel_limit_runs_and_just_over_gets_e2big() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let limit = strings_limit();
    // The margin covers what the sidecar adds (the tree marker without a
    // cgroup) and the page rounding of the kernel's accounting.
    let under = counting_argv(limit - 8192);
    let header = serde_json::to_vec(&json!({"op": "spawn", "argv": under})).unwrap().len();
    assert!(header > 1 << 20, "the test must exceed the old 1 MiB header limit: {header} bytes");
    sc.spawn("under", &under, json!({"env": {"mode": "replace", "vars": {}}, "stdout": "pipe"}));
    let out = sc.collect_output("under");
    assert_eq!(out.exit["code"], 0, "{}", out.exit);
    assert_eq!(String::from_utf8_lossy(&out.stdout), (under.len() - 4).to_string(), "arguments lost on the way");

    let over = counting_argv(limit + 8192);
    let req = sc.spawn_req("over", &over, json!({"env": {"mode": "replace", "vars": {}}}));
    let err = sc.wait_reply(req);
    assert_eq!((err["code"].as_str(), err["errno"].as_str()), (Some("spawn_failed"), Some("E2BIG")), "{err}");
    assert_eq!(sc.wait_exit("over")["reason"], "spawn_failed");

    // One string past the kernel's own bound per string, in a short command line.
    let long = vec!["/bin/sh".to_string(), "-c".into(), "true".into(), "x".repeat(ARG_STRLEN)];
    let req = sc.spawn_req("long", &long, json!({}));
    assert_eq!(sc.wait_reply(req)["errno"], "E2BIG");
    sc.wait_exit("long");
}

#[test]
fn an_environment_just_under_the_kernel_limit_runs() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let limit = strings_limit();
    let argv: Vec<String> = vec!["/bin/sh".into(), "-c".into(), "printf %s \"${#V0}\"".into()];
    let mut vars = serde_json::Map::new();
    let mut used = 64;
    let mut i = 0;
    while used + ARG_STRLEN + 16 < limit - 8192 {
        let name = format!("V{i}");
        used += name.len() + 1 + (ARG_STRLEN - 8) + 1 + 8;
        vars.insert(name, json!("\"".repeat(ARG_STRLEN - 8)));
        i += 1;
    }
    assert!(used > 1 << 20, "the environment must exceed the old 1 MiB header limit: {used} bytes");
    sc.spawn("env", &argv, json!({"env": {"mode": "replace", "vars": vars}, "stdout": "pipe"}));
    let out = sc.collect_output("env");
    assert_eq!(out.exit["code"], 0, "{}", out.exit);
    assert_eq!(String::from_utf8_lossy(&out.stdout), (ARG_STRLEN - 8).to_string());
}
