//! The graceful step and signal forwarding: console control events. Under
//! Wine 8.0 `GenerateConsoleCtrlEvent` fails for CTRL_BREAK (see
//! docs/reference/design.md). A Ctrl-Break scenario ends as "not run" there only when
//! a control shows Wine itself cannot do it: the test, with no sidecar and no
//! helper, asks for the same event for a group it started. When the control
//! gets through and the sidecar's event does not, the scenario fails. On
//! Windows a missed event is a failure. Either way the tree must be gone
//! when `exit` arrives: the forceful step is checked, not skipped.

use std::os::windows::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::json;
use windows_sys::Win32::System::Console::{GenerateConsoleCtrlEvent, CTRL_BREAK_EVENT};

use super::{Ctx, Outcome, Verdict, T};

/// The control for a Ctrl-Break "not run": a `trap` fixture started by the
/// test in a new process group, and CTRL_BREAK_EVENT asked for that group by
/// the test itself. `Ok(Ok(()))`: the fixture caught it, so this Wine can
/// deliver it; `Ok(Err(why))`: it could not, and why.
fn ctrl_break_control(cx: &mut Ctx) -> Result<Result<(), String>, String> {
    const CREATE_NEW_PROCESS_GROUP: u32 = 0x0000_0200;
    let report = cx.report("control-break");
    let argv = cx.argv(&report, &["trap", "--exit-on-signal"]);
    let mut child = Command::new(&argv[0])
        .args(&argv[1..])
        .creation_flags(CREATE_NEW_PROCESS_GROUP)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("control: could not start the fixture: {e}"))?;
    let result = report.try_wait_procs(1, T).and_then(|_| {
        // SAFETY: a plain call; the group id is the pid of the child just
        // started with CREATE_NEW_PROCESS_GROUP, so no other group is named.
        let asked = unsafe { GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, child.id()) };
        if asked == 0 {
            let err = std::io::Error::last_os_error();
            return Ok(Err(format!("control: GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT) from the test itself failed: {err}")));
        }
        let caught = report.try_wait_until("SIGBREAK in the control", Duration::from_secs(10), |_| {
            report.signals().iter().any(|(_, s)| s == "SIGBREAK")
        });
        Ok(caught.map(drop).map_err(|e| format!("control: the call succeeded but the fixture never caught it ({e})")))
    });
    let _ = child.kill();
    let _ = child.wait();
    result
}

pub fn graceful_term(cx: &mut Ctx) -> Verdict {
    let mut sc = cx.sidecar()?;
    let report = cx.report("trap");
    sc.spawn("g", &cx.argv(&report, &["trap", "--exit-on-signal"]), json!({}))?;
    let members = report.try_wait_procs(1, T)?;
    let cancelled = std::time::Instant::now();
    sc.send(json!({"op": "cancel", "id": "g", "signal": "SIGTERM", "grace_ms": 5000}), &[]);
    let exit = sc.wait_exit("g", T)?;
    let took = cancelled.elapsed().as_millis();
    let gone = cx.check_gone(&members, "at exit")?;
    if exit["reason"] != "cancelled" {
        return Err(format!("exit: {exit}"));
    }
    let root = members[0].pid;
    let caught = report.signals().iter().any(|(p, s)| *p == root && s == "SIGBREAK");
    let graceful = exit["killed_pids"].as_array().is_some_and(|a| a.is_empty());
    if caught && graceful && exit["code"] == 0 {
        sc.shutdown()?;
        return Ok(Outcome::Pass(format!("root caught Ctrl-Break and exited 0 before the grace ended; {gone}")));
    }
    let evidence = Ctx::console_evidence(&sc.log());
    sc.shutdown()?;
    let what = format!("Ctrl-Break not caught (report signals {:?}, exit {exit}); {evidence}", report.signals());
    match cx.wine.clone() {
        Some(v) => {
            // What Wine does let us check: once the helper has reported the
            // event undeliverable, the ladder must not sit out its 5 s grace.
            // (A generous bound, for behaviour, not speed.)
            if evidence.contains("not delivered") && took >= 4000 {
                return Err(format!(
                    "the helper reported the event undeliverable, yet exit came {took} ms after the cancel (grace 5000 ms); {what}"
                ));
            }
            // "Not run" only with proof that Wine itself cannot: else ours failed.
            match ctrl_break_control(cx)? {
                Ok(()) => Err(format!("the control delivered Ctrl-Break under Wine {v}, the sidecar did not: {what}")),
                Err(proof) => Ok(Outcome::NotRun(format!(
                    "Wine {v} cannot deliver CTRL_BREAK_EVENT ({proof}): {what}; forceful fallback ended the tree {took} ms after the cancel (grace 5000 ms): {gone}"
                ))),
            }
        }
        None => Err(what),
    }
}

pub fn sigint(cx: &mut Ctx) -> Verdict {
    let mut sc = cx.sidecar()?;
    let report = cx.report("trap-int");
    sc.spawn("i", &cx.argv(&report, &["trap", "--depth", "1", "--width", "2"]), json!({}))?;
    let members = report.try_wait_procs(3, T)?;
    let root = members.iter().find(|m| m.role == "root").map(|m| m.pid).ok_or("no root line")?;
    let n = sc.send(json!({"op": "signal", "id": "i", "signal": "SIGINT"}), &[]);
    let ev = sc.wait_for(T, |e| e.header["req"] == n)?;
    if ev["event"] != "signalled" || !ev["pids"].as_array().is_some_and(|a| a.contains(&json!(root))) {
        return Err(format!("signal answered {ev}"));
    }
    // Every node of the tree shares its console, so each must catch it.
    let all = |_: &[serde_json::Value]| members.iter().all(|m| report.signals().iter().any(|(p, s)| *p == m.pid && s == "SIGINT"));
    let caught = report.try_wait_until("a SIGINT line from every node", Duration::from_secs(10), all);
    sc.send(json!({"op": "cancel", "id": "i", "signal": "SIGKILL"}), &[]);
    sc.wait_exit("i", T)?;
    let gone = cx.check_gone(&members, "at exit")?;
    let evidence = Ctx::console_evidence(&sc.log());
    sc.shutdown()?;
    // Ctrl-C does work under Wine 8.0 (shown by this scenario), so a miss
    // is a failure there too.
    caught.map_err(|e| format!("{e}; {evidence}"))?;
    Ok(Outcome::Pass(format!("all 3 nodes caught Ctrl-C and kept running; {gone}")))
}

/// The graceful step itself, with the event Wine can deliver: a ladder
/// with SIGINT ends a tree of default-handler processes by Ctrl-C alone, no
/// forceful step. What the root's status says is the next scenario's.
pub fn graceful_int_ladder(cx: &mut Ctx) -> Verdict {
    let (exit, gone, evidence) = ctrl_c_ladder(cx, "tree-int")?;
    let graceful = exit["killed_pids"].as_array().is_some_and(|a| a.is_empty());
    if exit["reason"] != "cancelled" || !graceful {
        return Err(format!("expected a graceful end by SIGINT, got {exit}; {evidence}"));
    }
    Ok(Outcome::Pass(format!("3-process tree ended by Ctrl-C, no forceful step; {gone}")))
}

/// A root ended by Ctrl-C's default handler: Windows exits it with
/// STATUS_CONTROL_C_EXIT, which the backend must report as SIGINT. Under
/// Wine, "not run" only when the data shows why: the tree ended gracefully
/// (nothing but the default handler can have ended it) with exit code 0,
/// which is Wine's default handler, not STATUS_CONTROL_C_EXIT.
pub fn ctrl_c_status_names_sigint(cx: &mut Ctx) -> Verdict {
    let (exit, gone, evidence) = ctrl_c_ladder(cx, "tree-int-status")?;
    if exit["signal"] == "SIGINT" {
        return Ok(Outcome::Pass(format!("the root's Ctrl-C status is reported as SIGINT; {gone}")));
    }
    let graceful = exit["reason"] == "cancelled" && exit["killed_pids"].as_array().is_some_and(|a| a.is_empty());
    match (&cx.wine, exit["code"].as_i64()) {
        (Some(v), Some(0)) if graceful => Ok(Outcome::NotRun(format!(
            "Wine {v}'s default Ctrl-C handler exits 0, not STATUS_CONTROL_C_EXIT (the tree ended by Ctrl-C alone, no forceful step, root code 0): {gone}"
        ))),
        _ => Err(format!("the root's status should name SIGINT: {exit}; {evidence}")),
    }
}

/// A 3-process tree of default-handler processes, cancelled with SIGINT and
/// a 10 s grace; returns the `exit`, the leak check and the helper's log.
fn ctrl_c_ladder(cx: &mut Ctx, name: &str) -> Result<(serde_json::Value, String, String), String> {
    let mut sc = cx.sidecar()?;
    let report = cx.report(name);
    sc.spawn("l", &cx.argv(&report, &["tree", "--depth", "1", "--width", "2"]), json!({}))?;
    let members = report.try_wait_procs(3, T)?;
    sc.send(json!({"op": "cancel", "id": "l", "signal": "SIGINT", "grace_ms": 10000}), &[]);
    let exit = sc.wait_exit("l", T)?;
    let gone = cx.check_gone(&members, "at exit")?;
    let evidence = Ctx::console_evidence(&sc.log());
    sc.shutdown()?;
    Ok((exit, gone, evidence))
}
