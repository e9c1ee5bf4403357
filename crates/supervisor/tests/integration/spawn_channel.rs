//! The spawn channel (`--sync-dir`, docs/reference/protocol.md): `hello` first, each
//! `spawn` sent there answered there, everything else about the child on
//! stdout; other requests refused; a directory open to others refused; and
//! a spawn answered even while nobody reads stdout.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use crate::common::client::{decode, encode, Decoded};
use crate::common::fixture::SIDECAR;
use crate::common::harness::*;

/// The client's end of the channel: requests written, answers read by a
/// thread (so every wait below has a deadline).
struct Channel {
    requests: File,
    answers: Receiver<Value>,
}

impl Channel {
    fn open(dir: &Path) -> Channel {
        let answers_path = dir.join("answers");
        let deadline = Instant::now() + HANG;
        while !answers_path.exists() {
            assert!(Instant::now() < deadline, "the sidecar made no spawn channel in {}", dir.display());
            std::thread::sleep(Duration::from_millis(5));
        }
        // The sidecar holds both FIFOs open read-write: these opens do not wait.
        let mut answers = File::open(&answers_path).expect("open answers");
        let requests = OpenOptions::new().write(true).open(dir.join("requests")).expect("open requests");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            while let Ok(Decoded::Frame(header, _)) = decode(&mut answers) {
                if tx.send(header).is_err() {
                    return;
                }
            }
        });
        Channel { requests, answers: rx }
    }

    fn next(&self) -> Value {
        self.answers.recv_timeout(HANG).expect("an answer on the spawn channel")
    }

    fn send(&mut self, header: Value) {
        self.requests.write_all(&encode(&header, &[])).expect("write the spawn channel");
    }
}

/// A private directory for the channel, as a client makes it (mode 0700).
fn channel_dir(dir: &TestDir) -> PathBuf {
    let at = dir.path().join("spawn-channel");
    std::fs::create_dir(&at).expect("create the channel directory");
    std::fs::set_permissions(&at, std::fs::Permissions::from_mode(0o700)).expect("chmod 0700");
    at
}

fn with_channel(dir: &TestDir) -> (Sidecar, Channel) {
    let at = channel_dir(dir);
    let arg = at.clone();
    let sc = Sidecar::start_with(dir, move |cmd| {
        cmd.arg("--sync-dir").arg(arg);
    });
    let channel = Channel::open(&at);
    (sc, channel)
}

#[test]
fn hello_comes_first_and_a_spawn_sent_there_is_answered_there() {
    let dir = TestDir::new();
    let (mut sc, mut channel) = with_channel(&dir);
    let hello = channel.next();
    assert_eq!(hello["event"], "hello");
    assert_eq!(hello["pid"], sc.hello()["pid"], "the same sidecar greets on both channels");
    let argv = fixture_argv(&dir.report("echo"), &["stderr", "--text", "hi", "--code", "5"]);
    channel.send(json!({"op": "spawn", "req": 41, "id": "c1", "argv": argv, "stderr": "pipe"}));
    let answer = channel.next();
    assert_eq!((answer["event"].as_str(), answer["req"].as_u64(), answer["id"].as_str()), (Some("spawned"), Some(41), Some("c1")), "{answer}");
    let out = sc.collect_output("c1");
    assert_eq!((out.stderr.as_slice(), out.exit["code"].as_i64()), (&b"hi"[..], Some(5)));
    assert!(!sc.events().iter().any(|e| e.name() == "spawned"), "the answer is not repeated on stdout");
}

#[test]
fn only_spawn_is_served_there_and_refusals_carry_the_errno() {
    let dir = TestDir::new();
    let (mut sc, mut channel) = with_channel(&dir);
    channel.next();
    channel.send(json!({"op": "cancel", "req": 1, "id": "x"}));
    let e = channel.next();
    assert_eq!((e["code"].as_str(), e["req"].as_u64()), (Some("bad_request"), Some(1)), "{e}");

    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let cases = [
        ("nocwd", json!({"cwd": dir.path().join("missing")}), "bad_cwd", "ENOENT"),
        ("filecwd", json!({"cwd": file}), "bad_cwd", "ENOTDIR"),
        ("noprog", json!({"argv": ["/nonexistent/pawwork-no-such-program"]}), "spawn_failed", "ENOENT"),
    ];
    for (i, (id, extra, code, errno)) in cases.into_iter().enumerate() {
        let mut req = json!({"op": "spawn", "req": 10 + i, "id": id, "argv": fixture_argv(&dir.report(id), &["sleep"])});
        for (k, v) in extra.as_object().unwrap() {
            req[k] = v.clone();
        }
        channel.send(req);
        let e = channel.next();
        assert_eq!((e["event"].as_str(), e["code"].as_str(), e["errno"].as_str()), (Some("error"), Some(code), Some(errno)), "{id}: {e}");
        assert!(Report::new(dir.report(id)).procs().is_empty(), "{id}: the refused spawn ran");
    }
    // An exec failure is still followed by its exit on stdout.
    assert_eq!(sc.wait_exit("noprog")["reason"], "spawn_failed");
}

#[test]
fn a_directory_open_to_others_is_refused_at_start() {
    let dir = TestDir::new();
    let at = channel_dir(&dir);
    std::fs::set_permissions(&at, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = Command::new(SIDECAR)
        .arg("--sync-dir")
        .arg(&at)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("run the sidecar");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot serve the spawn channel") && err.contains("0700"), "{err}");
    assert!(!at.join("requests").exists(), "no FIFO is made in a directory others can reach");
}

/// The server loop never waits on stdout: a client blocked on the spawn
/// channel reads no stdout, so a loop stuck behind a full stdout would
/// answer only at the client's deadline. Here stdout is never read at all.
#[test]
fn a_spawn_is_answered_while_nobody_reads_stdout() {
    let dir = TestDir::new();
    let at = channel_dir(&dir);
    let mut sidecar = Command::new(SIDECAR)
        .arg("--sync-dir")
        .arg(&at)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the sidecar");
    let mut stdin = sidecar.stdin.take().unwrap();
    let mut channel = Channel::open(&at);
    channel.next();
    let flood = fixture_argv(&dir.report("flood"), &["flood", "--bytes", "4000000"]);
    channel.send(json!({"op": "spawn", "req": 1, "id": "flood", "argv": flood, "stdout": "pipe"}));
    assert_eq!(channel.next()["event"], "spawned");
    // Give the flood time to fill stdout and the sidecar's queue behind it.
    Report::new(dir.report("flood")).wait_role("root");
    std::thread::sleep(Duration::from_millis(500));
    // Each of these is answered on stdout by the server loop itself.
    for i in 0..100 {
        stdin.write_all(&encode(&json!({"op": "cancel", "req": 100 + i, "id": "nobody"}), &[])).unwrap();
    }
    let argv = fixture_argv(&dir.report("late"), &["exit", "--code", "0"]);
    channel.send(json!({"op": "spawn", "req": 2, "id": "late", "argv": argv}));
    assert_eq!(channel.next()["event"], "spawned", "the spawn was answered with stdout full");
    // Now read stdout to the end: the sidecar ends every tree and exits.
    drop(stdin);
    let mut rest = Vec::new();
    sidecar.stdout.take().unwrap().read_to_end(&mut rest).unwrap();
    assert!(sidecar.wait().unwrap().success());
    assert_all_gone(&Report::new(dir.report("flood")), GONE);
}
