//! `terminate` of a tree the sidecar did not start (PawWork's PTY, a shell
//! started elsewhere): a new job object per call, the tree found by
//! Toolhelp32 walks, then `TerminateJobObject`. The test itself starts the
//! tree, as an outside program would, and checks every reported pid gone
//! when `terminated` arrives.

use std::process::{Child, Command, Stdio};

use serde_json::json;

use super::{expect, Ctx, Outcome, Verdict, T};

/// The foreign root, killed and reaped on every path out of the scenario,
/// so a failed check leaves nothing behind for the next one.
struct Foreign(Child);

impl Drop for Foreign {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn terminate_foreign_tree(cx: &mut Ctx) -> Verdict {
    let mut sc = cx.sidecar()?;
    let report = cx.report("foreign");
    let argv = cx.argv(&report, &["tree", "--depth", "2", "--width", "2"]);
    let child = Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not start the foreign tree: {e}"))?;
    let root = Foreign(child);
    let members = report.try_wait_procs(7, T)?;
    cx.check_host_sees(7)?;
    let req = sc.send(json!({"op": "terminate", "pid": root.0.id()}), &[]);
    let answer = sc.wait_for(T, |e| e.header["req"] == req)?;
    let gone = cx.check_gone(&members, "at terminated")?;
    expect(answer["event"] == "terminated", || format!("terminate answered {answer}"))?;
    let found: Vec<u64> = answer["pids"].as_array().map(|a| a.iter().filter_map(|p| p.as_u64()).collect()).unwrap_or_default();
    let missed: Vec<i32> = members.iter().map(|m| m.pid).filter(|p| !found.contains(&(*p as u64))).collect();
    expect(missed.is_empty(), || format!("terminated lists {found:?}, missing {missed:?}: {answer}"))?;
    sc.shutdown()?;
    drop(root);
    Ok(Outcome::Pass(format!("7-process foreign tree, every member found and ended, graceful step: {}; {gone}", answer["graceful"])))
}
