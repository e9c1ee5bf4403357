//! A well-behaved child that runs while a test abuses the sidecar: its
//! output must come through complete and intact ("an error never affects
//! another child").

use serde_json::json;

use super::fixture::fixture_argv;
use super::pattern::assert_pattern;
use super::report::Report;
use super::sidecar::Sidecar;
use super::testdir::TestDir;

/// 100 chunks of 16 KiB, one every 10 ms: about a second of steady output.
const CHUNK: usize = 16384;
const COUNT: usize = 100;

pub struct Bystander {
    id: String,
    report: Report,
}

impl Bystander {
    pub fn start(sc: &mut Sidecar, dir: &TestDir) -> Bystander {
        let id = "bystander".to_string();
        let report = Report::new(dir.report("bystander"));
        let args = ["slow", "--chunk", "16384", "--interval-ms", "10", "--count", "100"];
        sc.spawn(&id, &fixture_argv(report.path(), &args), json!({"stdout": "pipe"}));
        Bystander { id, report }
    }

    /// Waits for its exit: a normal end with every byte, in order.
    pub fn assert_unharmed(self, sc: &mut Sidecar) {
        let out = sc.collect_output(&self.id);
        assert_eq!(out.exit["reason"], "exited", "bystander: {}", out.exit);
        assert_eq!(out.exit["code"], 0, "bystander: {}", out.exit);
        assert_eq!(out.exit["drain"], "complete", "bystander: {}", out.exit);
        assert_pattern("bystander stdout", &out.stdout, CHUNK * COUNT);
        super::leaks::assert_all_gone(&self.report, super::GONE);
    }
}

/// Proves the request stream is still in sync: a fresh child runs and its
/// exit code comes back.
pub fn assert_in_sync(sc: &mut Sidecar, dir: &TestDir, id: &str) {
    let argv = fixture_argv(&dir.report(id), &["exit", "--code", "7"]);
    sc.spawn(id, &argv, json!({}));
    let exit = sc.wait_exit(id);
    assert_eq!(exit["code"], 7, "sync check {id}: {exit}");
}
