//! A blocking client for one sidecar process: start it, send requests, wait
//! for events. Every event is kept in arrival order, so a test can ask for
//! "the exit of c1" whenever it likes and check what came before it.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::events::Invariants;
use super::fixture::SIDECAR;
use crate::common::client::{Connection, Event};
use super::testdir::TestDir;
use super::HANG;
use crate::common::procfs::{stat, watchdog_of};

pub struct Sidecar {
    pub(super) conn: Connection,
    pub(super) events: Vec<Event>,
    pub(super) invariants: Invariants,
    pub(super) closed: bool,
    pub(super) status: Option<ExitStatus>,
    pub(super) next_req: u64,
    pub(super) hello: Value,
    pub(super) stderr_log: PathBuf,
    /// Diagnostics already printed by `fail`: don't repeat them on drop.
    pub(super) reported: std::cell::Cell<bool>,
    /// Killed on purpose by the test: no clean exit to expect.
    pub(super) killed: bool,
    /// The watchdog's pid and start time: it must not outlive the sidecar.
    pub(super) watchdog: (i32, String),
}

/// What a child wrote, and the `exit` that ended it.
pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Extra output descriptors, by stream name (`fd3`).
    pub fds: std::collections::BTreeMap<String, Vec<u8>>,
    pub exit: Value,
}

impl Sidecar {
    pub fn start(dir: &TestDir) -> Sidecar {
        Sidecar::start_with(dir, |_| {})
    }

    /// `configure` may change the command (extra fds, signal state) before
    /// the sidecar starts; stdio is set afterwards and always piped.
    pub fn start_with(dir: &TestDir, configure: impl FnOnce(&mut Command)) -> Sidecar {
        Sidecar::start_program(dir, Path::new(SIDECAR), configure)
    }

    /// The sidecar started through `program`: the binary under another name,
    /// or a wrapper that execs it.
    pub fn start_program(dir: &TestDir, program: &Path, configure: impl FnOnce(&mut Command)) -> Sidecar {
        let stderr_log = dir.path().join("sidecar.stderr");
        let mut cmd = Command::new(program);
        cmd.env("PAWWORK_SUPERVISOR_LOG", "info");
        configure(&mut cmd);
        let log = std::fs::File::create(&stderr_log).expect("create sidecar log");
        cmd.stderr(log);
        let conn = Connection::start(&mut cmd).expect("start pawwork-supervisor");

        let mut sc = Sidecar {
            conn,
            events: Vec::new(),
            invariants: Invariants::default(),
            closed: false,
            status: None,
            next_req: 1,
            hello: Value::Null,
            stderr_log,
            reported: std::cell::Cell::new(false),
            killed: false,
            watchdog: (0, String::new()),
        };
        sc.wait_index("any first frame", HANG, |_| true);
        let first = sc.events[0].clone();
        assert_eq!(first.name(), "hello", "the first frame must be hello, got {}", first.brief());
        sc.hello = first.header;
        // Forked before the runtime, so it exists by hello, in every mode.
        let dog = watchdog_of(sc.pid()).unwrap_or_else(|| sc.fail("the sidecar has no watchdog"));
        let start = stat(dog).unwrap_or_else(|| sc.fail("the watchdog vanished")).start;
        sc.watchdog = (dog, start);
        sc
    }

    pub fn pid(&self) -> i32 {
        self.conn.pid() as i32
    }

    pub fn hello(&self) -> &Value {
        &self.hello
    }

    pub fn window(&self) -> u64 {
        self.hello["limits"]["output_window"].as_u64().expect("hello.limits.output_window")
    }

    pub fn events(&self) -> &[Event] {
        &self.events
    }

    // ---- sending ---------------------------------------------------------

    pub fn send_raw(&self, bytes: Vec<u8>) {
        self.conn.send_raw(bytes);
    }

    /// Sends `header` (an object with `op`) with a fresh `req`; returns it.
    pub fn request_with(&mut self, mut header: Value, payload: &[u8]) -> u64 {
        let req = self.next_req;
        self.next_req += 1;
        header["req"] = json!(req);
        self.conn.send(&header, payload);
        req
    }

    pub fn request(&mut self, header: Value) -> u64 {
        self.request_with(header, &[])
    }

    /// Sends a spawn; `opts` (an object) is merged into the request.
    pub fn spawn_req(&mut self, id: &str, argv: &[String], opts: Value) -> u64 {
        let mut h = json!({"op": "spawn", "id": id, "argv": argv});
        if let Value::Object(extra) = opts {
            for (k, v) in extra {
                h[k] = v;
            }
        }
        self.request(h)
    }

    /// Spawns and waits for `spawned`; any other answer fails the test.
    pub fn spawn(&mut self, id: &str, argv: &[String], opts: Value) -> Value {
        let req = self.spawn_req(id, argv, opts);
        let ev = self.wait_reply(req);
        assert_eq!(ev["event"], "spawned", "spawn {id:?} was answered with {ev}");
        ev
    }

    pub fn cancel(&mut self, id: &str) -> u64 {
        self.request(json!({"op": "cancel", "id": id}))
    }

    pub fn signal(&mut self, id: &str, signal: &str) -> u64 {
        self.request(json!({"op": "signal", "id": id, "signal": signal}))
    }

    pub fn write(&mut self, id: &str, bytes: &[u8]) -> u64 {
        self.request_with(json!({"op": "write", "id": id}), bytes)
    }

    /// A write to an input descriptor of `spawn.fds`.
    pub fn write_fd(&mut self, id: &str, fd: u32, bytes: &[u8]) -> u64 {
        self.request_with(json!({"op": "write", "id": id, "fd": fd}), bytes)
    }

    pub fn close_fd(&mut self, id: &str, fd: u32) -> u64 {
        self.request(json!({"op": "close_stdin", "id": id, "fd": fd}))
    }

    pub fn shutdown(&mut self) -> u64 {
        self.request(json!({"op": "shutdown"}))
    }

    /// Closes the sidecar's stdin: to the sidecar, the host is gone.
    pub fn close_stdin(&self) {
        self.conn.close_stdin();
    }

    pub fn hold_acks(&self, id: &str) {
        self.conn.hold_acks(id);
    }

    /// Acks everything held back for `id` and acks on arrival again.
    pub fn release_acks(&self, id: &str) -> u64 {
        self.conn.release_acks(id)
    }

    /// SIGKILLs the sidecar itself (our direct child, by its own pid), as a
    /// crash or an OOM kill would, and reaps it.
    pub fn kill_sidecar(&mut self) {
        self.killed = true;
        self.conn.child.kill().expect("kill the sidecar");
        self.status = Some(self.conn.child.wait().expect("reap the sidecar"));
    }

    /// Waits for the sidecar process to exit (stdin is not closed here).
    pub fn wait_status(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        while self.status.is_none() {
            self.status = self.conn.child.try_wait().expect("try_wait sidecar");
            if self.status.is_some() || Instant::now() > deadline {
                break;
            }
            self.pump(Duration::from_millis(20));
        }
        // Events written just before the exit may still be in the pipe.
        if self.status.is_some() {
            let until = Instant::now() + Duration::from_secs(2);
            while self.pump(Duration::from_millis(50)) && Instant::now() < until {}
        }
        self.status
    }

    pub(super) fn fail(&self, msg: &str) -> ! {
        self.reported.set(true);
        panic!("{msg}\n{}", self.diagnostics());
    }

    /// The last events and the tail of the sidecar's log.
    pub fn diagnostics(&self) -> String {
        let from = self.events.len().saturating_sub(25);
        let events: Vec<String> = self.events[from..].iter().map(|e| format!("  {}", e.brief())).collect();
        let log = std::fs::read(&self.stderr_log).unwrap_or_default();
        let tail = String::from_utf8_lossy(&log[log.len().saturating_sub(3000)..]).into_owned();
        format!(
            "last {} of {} events:\n{}\nsidecar stderr tail ({}):\n{tail}",
            events.len(),
            self.events.len(),
            events.join("\n"),
            self.stderr_log.display()
        )
    }
}

impl Drop for Sidecar {
    /// Every test ends like a host that goes away: stdin EOF. The doc says
    /// the sidecar then ends every tree and exits 0; a test that passed but
    /// leaves a sidecar that does not do so fails here.
    fn drop(&mut self) {
        self.close_stdin();
        let status = self.wait_status(HANG);
        if status.is_none() {
            // Our own direct child, by its pid: safe.
            let _ = self.conn.child.kill();
            let _ = self.conn.child.wait();
        }
        // Whatever the outcome, nothing of this sidecar may outlive it.
        let grace = if self.killed { HANG } else { super::GONE };
        let cgroup = self.hello["capabilities"]["cgroup"].as_str();
        let left = status.and_then(|_| super::leaks::sidecar_leftovers(cgroup, &self.watchdog, grace));
        if std::thread::panicking() {
            if let Some(left) = &left {
                eprintln!("the sidecar also left {left}");
            }
            if !self.reported.get() {
                eprintln!("{}", self.diagnostics());
            }
            return;
        }
        if let Some(left) = left {
            panic!("the sidecar exited but left {left}\n{}", self.diagnostics());
        }
        match status {
            _ if self.killed => {}
            Some(s) if s.success() => {}
            Some(s) => panic!("sidecar exited with {s} after stdin EOF\n{}", self.diagnostics()),
            None => panic!("sidecar still running {HANG:?} after stdin EOF; killed\n{}", self.diagnostics()),
        }
    }
}
