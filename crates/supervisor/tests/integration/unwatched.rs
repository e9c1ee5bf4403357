//! No tree runs on with nothing watching it. A sidecar that can no longer
//! report to its host (the host closed its end of stdout, stdin still open)
//! takes the host as gone and ends every tree; a watchdog that dies is
//! replaced, so the sidecar's death still ends every tree after it.

use std::io::Write;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::client::{decode, encode, Decoded};
use crate::common::harness::*;

/// The ladder's default grace (hello.defaults.grace_ms), which the
/// SIGTERM-ignoring tree sits out, plus the one second the product promises
/// (README, "How it compares"): measured from the moment the host let go.
const PROMISE: Duration = Duration::from_millis(500 + 1000);

/// A sidecar spoken to without the harness's reader thread, so the test
/// itself holds the read end of its stdout and can close it.
struct Bare {
    child: Child,
    stdin: ChildStdin,
    stdout: Option<ChildStdout>,
    next_req: u64,
}

impl Bare {
    fn start(dir: &TestDir) -> Bare {
        let log = std::fs::File::create(dir.path().join("sidecar.stderr")).expect("create the sidecar log");
        let mut child = Command::new(fixture::SIDECAR)
            .env("PAWWORK_SUPERVISOR_LOG", "info")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start pawwork-supervisor");
        let (stdin, stdout) = (child.stdin.take().unwrap(), child.stdout.take());
        let mut bare = Bare { child, stdin, stdout, next_req: 1 };
        assert_eq!(bare.next_event()["event"], "hello");
        bare
    }

    fn next_event(&mut self) -> Value {
        match decode(self.stdout.as_mut().expect("stdout still open")) {
            Ok(Decoded::Frame(header, _)) => header,
            Ok(Decoded::Eof) => panic!("the sidecar closed its stdout"),
            Err(e) => panic!("reading the sidecar: {e}"),
        }
    }

    /// Spawns and reads up to its `spawned` (output of earlier children is
    /// read past, never acked: their windows fill).
    fn spawn(&mut self, id: &str, argv: &[String], opts: Value) {
        let mut header = json!({"op": "spawn", "req": self.next_req, "id": id, "argv": argv});
        for (k, v) in opts.as_object().unwrap() {
            header[k] = v.clone();
        }
        self.next_req += 1;
        self.stdin.write_all(&encode(&header, &[])).expect("send a spawn");
        loop {
            let ev = self.next_event();
            if ev["id"] == id {
                assert_eq!(ev["event"], "spawned", "{ev}");
                return;
            }
        }
    }
}

impl Drop for Bare {
    fn drop(&mut self) {
        // Our own direct child, by its pid: safe. Only reached if a test failed.
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A deep tree, an orphaned grandchild, a `setsid` daemon, a SIGTERM-ignoring
/// pair, and a flood whose output nobody acks.
fn start_trees(sc: &mut Bare, dir: &TestDir) -> Vec<Report> {
    let trees: [(&str, &[&str], usize, Value); 5] = [
        ("deep", &["tree", "--depth", "3", "--width", "1"], 4, json!({})),
        ("orphan", &["orphan"], 3, json!({})),
        ("daemon", &["daemon"], 3, json!({})),
        ("stubborn", &["ignore-term", "--children", "1"], 2, json!({})),
        ("flood", &["flood", "--bytes", "1073741824"], 1, piped(&["stdout"])),
    ];
    let mut reports = Vec::new();
    for (id, args, n, opts) in trees {
        let report = Report::new(dir.report(id));
        sc.spawn(id, &fixture_argv(report.path(), args), opts);
        reports.push((report, n));
    }
    for (report, n) in &reports {
        report.wait_procs(*n);
    }
    reports.into_iter().map(|(r, _)| r).collect()
}

#[test]
fn a_host_that_closes_its_end_of_stdout_has_every_tree_ended_as_if_gone() {
    let dir = TestDir::new();
    let mut sc = Bare::start(&dir);
    let reports = start_trees(&mut sc, &dir);
    let closed_at = Instant::now();
    drop(sc.stdout.take());
    for report in &reports {
        assert_all_gone(report, PROMISE.saturating_sub(closed_at.elapsed()));
    }
    // Its stdin is still open: the sidecar exits because its host is gone.
    let deadline = Instant::now() + HANG;
    let status = loop {
        if let Some(status) = sc.child.try_wait().expect("try_wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "the sidecar still runs {HANG:?} after its host closed stdout");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "the sidecar exited with {status}");
}
