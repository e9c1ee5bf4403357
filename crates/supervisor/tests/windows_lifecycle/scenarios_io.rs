//! Spawning, exit codes, output and stdin: the core invariants over
//! Windows pipes.

use serde_json::json;

use super::{expect, Ctx, Outcome, Verdict, T};

pub fn handshake(cx: &mut Ctx) -> Verdict {
    let mut sc = cx.sidecar()?;
    let h = sc.hello.clone();
    let caps = &h["capabilities"];
    expect(h["platform"]["os"] == "windows", || format!("platform: {h}"))?;
    expect(caps["backend"] == "windows" && caps["job_objects"] == true, || format!("capabilities: {caps}"))?;
    let job = &caps["job"];
    expect(matches!(job["assign"].as_str(), Some("at_creation" | "suspended")), || format!("job mode: {job}"))?;
    expect(job["kill_on_close"] == true, || format!("job: {job}"))?;
    for sig in ["SIGINT", "SIGTERM", "SIGBREAK", "SIGKILL"] {
        expect(caps["signals"].as_array().is_some_and(|a| a.contains(&json!(sig))), || format!("{sig} missing: {caps}"))?;
    }
    // An unsupported signal is refused with a clear error, before any child.
    let report = cx.report("sleep");
    sc.spawn("s", &cx.argv(&report, &["sleep"]), json!({}))?;
    let n = sc.send(json!({"op": "signal", "id": "s", "signal": "SIGUSR1"}), &[]);
    let err = sc.wait_for(T, |e| e.header["req"] == n)?;
    expect(err["event"] == "error" && err["code"] == "unsupported_signal", || format!("SIGUSR1 answered {err}"))?;
    sc.send(json!({"op": "cancel", "id": "s", "signal": "SIGKILL"}), &[]);
    sc.wait_exit("s", T)?;
    sc.shutdown()?;
    Ok(Outcome::Pass(format!("job {job}")))
}

pub fn exit_code_and_quoting(cx: &mut Ctx) -> Verdict {
    let mut sc = cx.sidecar()?;
    // Spaces, quotes, backslash runs before a quote and at the end, tabs,
    // non-ASCII: the child must get exactly this argument back.
    let text = "he said \"hi\" \\\\\"x\\ \tend ünï \\";
    let report = cx.report("stderr");
    sc.spawn("e", &cx.argv(&report, &["stderr", "--text", text, "--code", "3"]), json!({"stdout": "pipe", "stderr": "pipe"}))?;
    let exit = sc.wait_exit("e", T)?;
    expect(exit["code"] == 3 && exit["signal"].is_null() && exit["reason"] == "exited", || format!("exit: {exit}"))?;
    expect(exit["drain"] == "complete", || format!("drain: {exit}"))?;
    // The tree's console host is no leftover of the program.
    expect(exit["leftover_pids"].as_array().is_some_and(|a| a.is_empty()), || format!("leftovers: {exit}"))?;
    let got = sc.output("e", "stderr");
    expect(got == text.as_bytes(), || format!("argument came back as {:?}, sent {text:?}", String::from_utf8_lossy(&got)))?;
    expect(exit["bytes"]["stderr"] == got.len(), || format!("bytes total {exit} vs {} received", got.len()))?;
    let report = cx.report("exit0");
    sc.spawn("z", &cx.argv(&report, &["exit", "--code", "0"]), json!({}))?;
    let exit = sc.wait_exit("z", T)?;
    expect(exit["code"] == 0 && exit["drain"] == "none", || format!("exit 0: {exit}"))?;
    sc.shutdown()?;
    Ok(Outcome::Pass("code 3 and 0, argument round trip exact, bytes totals match".into()))
}

pub fn spawn_options(cx: &mut Ctx) -> Verdict {
    let mut sc = cx.sidecar()?;
    let report = cx.report("env");
    let env = json!({"mode": "merge", "vars": {"PAWWORK_WL_X": "a b=c", "PATH": null}});
    sc.spawn("v", &cx.argv(&report, &["env", "PAWWORK_WL_X", "PATH"]), json!({"stdout": "pipe", "env": env}))?;
    sc.wait_exit("v", T)?;
    let out = String::from_utf8_lossy(&sc.output("v", "stdout")).replace("\r\n", "\n");
    expect(out.trim_end() == "PAWWORK_WL_X=a b=c", || format!("env merge (and PATH removal) printed {out:?}"))?;

    let report = cx.report("cwd");
    let cwd = cx.dir.display().to_string();
    sc.spawn("c", &cx.argv(&report, &["cwd"]), json!({"stdout": "pipe", "cwd": cwd}))?;
    sc.wait_exit("c", T)?;
    let out = String::from_utf8_lossy(&sc.output("c", "stdout")).trim_end().to_owned();
    expect(out.eq_ignore_ascii_case(cwd.trim_end_matches('\\')), || format!("cwd printed {out:?}, asked {cwd:?}"))?;

    let n = sc.send(json!({"op": "spawn", "id": "n", "argv": ["pawwork-no-such-program-xyz"]}), &[]);
    let err = sc.wait_for(T, |e| e.header["req"] == n)?;
    expect(err["code"] == "spawn_failed" && err["errno"] == "ENOENT", || format!("missing program: {err}"))?;
    let exit = sc.wait_exit("n", T)?;
    expect(exit["reason"] == "spawn_failed", || format!("missing program exit: {exit}"))?;
    sc.shutdown()?;
    Ok(Outcome::Pass("env merge/removal, cwd, ENOENT".into()))
}

fn pattern(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 16);
    let mut k = 0u64;
    while out.len() < len {
        out.extend(format!("{k:015x}\n").bytes());
        k += 1;
    }
    out.truncate(len);
    out
}

pub fn flood(cx: &mut Ctx) -> Verdict {
    let mut sc = cx.sidecar()?;
    let n = 3_000_000usize;
    let report = cx.report("flood");
    let argv = cx.argv(&report, &["flood", "--bytes", &n.to_string(), "--stream", "both"]);
    sc.spawn("f", &argv, json!({"stdout": "pipe", "stderr": "pipe"}))?;
    let exit = sc.wait_exit("f", T)?;
    expect(exit["code"] == 0 && exit["drain"] == "complete", || format!("exit: {exit}"))?;
    let want = pattern(n);
    for stream in ["stdout", "stderr"] {
        let got = sc.output("f", stream);
        expect(got.len() == n && exit["bytes"][stream] == n, || format!("{stream}: {} bytes received, exit {exit}", got.len()))?;
        expect(got == want, || format!("{stream}: pattern broken (lost, duplicated or reordered bytes)"))?;
    }
    sc.shutdown()?;
    Ok(Outcome::Pass(format!("{n} bytes on each stream, pattern intact, every output before exit")))
}

pub fn stdin_echo(cx: &mut Ctx) -> Verdict {
    let mut sc = cx.sidecar()?;
    let report = cx.report("echo");
    sc.spawn("i", &cx.argv(&report, &["echo-stdin"]), json!({"stdin": "pipe", "stdout": "pipe"}))?;
    let data = pattern(300_000);
    let mut reqs = Vec::new();
    for chunk in data.chunks(100_000) {
        reqs.push(sc.send(json!({"op": "write", "id": "i"}), chunk));
    }
    for r in reqs {
        let w = sc.wait_for(T, |e| e.header["req"] == r)?;
        expect(w["event"] == "written", || format!("write answered {w}"))?;
    }
    let r = sc.send(json!({"op": "close_stdin", "id": "i"}), &[]);
    let w = sc.wait_for(T, |e| e.header["req"] == r)?;
    expect(w["closed"] == true, || format!("close_stdin answered {w}"))?;
    let exit = sc.wait_exit("i", T)?;
    expect(exit["code"] == 0, || format!("exit: {exit}"))?;
    let got = sc.output("i", "stdout");
    expect(got == data, || format!("echoed {} of {} bytes, or altered", got.len(), data.len()))?;
    sc.shutdown()?;
    Ok(Outcome::Pass("300000 bytes through stdin and back, EOF on close".into()))
}

/// Descriptors beyond stdio through the C runtime's inherited table
/// (`lpReserved2`): an input and an output with a gap, and a duplex one's
/// output direction. Half-closing a duplex pipe is not possible on Windows
/// (docs/reference/protocol.md), so its input direction is not asked to reach EOF.
pub fn extra_fds(cx: &mut Ctx) -> Verdict {
    let mut sc = cx.sidecar()?;
    let report = cx.report("fd-copy");
    let fds = json!([{"fd": 3, "mode": "output"}, {"fd": 5, "mode": "input"}]);
    sc.spawn("c", &cx.argv(&report, &["fd-copy", "--from", "5", "--to", "3", "--prefix", "got:"]), json!({"fds": fds}))?;
    let w = sc.send(json!({"op": "write", "id": "c", "fd": 5}), b"ping");
    let written = sc.wait_for(T, |e| e.header["req"] == w)?;
    expect(written["event"] == "written" && written["fd"] == 5, || format!("write to fd 5 answered {written}"))?;
    let c = sc.send(json!({"op": "close_stdin", "id": "c", "fd": 5}), &[]);
    let closed = sc.wait_for(T, |e| e.header["req"] == c)?;
    expect(closed["closed"] == true, || format!("close of fd 5 answered {closed}"))?;
    let exit = sc.wait_exit("c", T)?;
    expect(exit["code"] == 0 && exit["drain"] == "complete", || format!("fd-copy exit: {exit}"))?;
    let got = sc.output("c", "fd3");
    expect(got == b"got:ping", || format!("fd 3 carried {:?}", String::from_utf8_lossy(&got)))?;
    expect(exit["bytes"]["fd3"] == 8, || format!("fd 3 total: {exit}"))?;

    let report = cx.report("fd-write");
    sc.spawn("d", &cx.argv(&report, &["fd-write", "--fd", "4", "--text", "both ways"]), json!({"fds": [{"fd": 4, "mode": "duplex"}]}))?;
    let exit = sc.wait_exit("d", T)?;
    expect(exit["code"] == 0, || format!("fd-write exit: {exit}"))?;
    let got = sc.output("d", "fd4");
    expect(got == b"both ways", || format!("duplex fd 4 carried {:?}", String::from_utf8_lossy(&got)))?;
    sc.shutdown()?;
    Ok(Outcome::Pass("fd 5 in and fd 3 out with a gap, a duplex fd 4 out, through the C runtime's table".into()))
}
