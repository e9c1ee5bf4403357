//! A host that stops reading the sidecar's stdout altogether (its event
//! loop is busy, say) while children flood: the sidecar's one bounded
//! queue fills, the relays wait on it, the children's writes block, and the
//! sidecar's memory stays under a bound. When reading resumes every byte
//! arrives, in order. The client here is raw on purpose: the suite's client
//! always reads, this one must be able not to.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::fixture::{fixture_path, SIDECAR};
use crate::common::client::{decode, encode, Decoded};
use crate::common::harness::{json, pattern};
use crate::common::procfs::{rss_kib, worker_children_of};
use crate::common::sizes::size;

/// Documented bound on the sidecar's growth while nobody reads: what the
/// four floods may have sent and not had acknowledged (one 1 MiB window
/// each, queued in frames of up to 256 KiB, whose buffers may be held whole
/// until written), the batch being written, plus allocator slack.
const SILENT_HOST_RSS_BOUND_KIB: u64 = 24 * 1024;

fn written_by(pid: i32) -> u64 {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io")).unwrap_or_default();
    io.lines().find_map(|l| l.strip_prefix("wchar:")).and_then(|v| v.trim().parse().ok()).unwrap_or(0)
}

#[test]
fn a_host_that_stops_reading_holds_the_floods_back_and_loses_nothing() {
    let floods = 4;
    let bytes = size(16 << 20, 256 << 20);
    let pause = Duration::from_millis(size(2_000, 10_000) as u64);
    let mut sidecar = Command::new(SIDECAR)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the sidecar");
    let pid = sidecar.id() as i32;
    let mut to = sidecar.stdin.take().unwrap();
    let mut from = sidecar.stdout.take().unwrap();
    let Ok(Decoded::Frame(hello, _)) = decode(&mut from) else { panic!("no hello") };
    assert_eq!(hello["event"], "hello");
    std::thread::sleep(Duration::from_millis(200));
    let idle = rss_kib(pid);
    let argv = [fixture_path().to_string_lossy().into_owned(), "flood".into(), "--bytes".into(), bytes.to_string()];
    for i in 0..floods {
        let spawn = json!({"op": "spawn", "req": i, "id": format!("f{i}"), "argv": argv, "stdout": "pipe"});
        to.write_all(&encode(&spawn, &[])).unwrap();
    }
    // Not a byte read from here on, for the whole pause.
    let started = Instant::now();
    let mut children = Vec::new();
    while children.len() < floods && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
        children = worker_children_of(pid).into_iter().map(|(p, _)| p).collect();
    }
    assert_eq!(children.len(), floods, "the floods run");
    // Until the windows, pipes and writes have filled up: the count stops
    // moving (bounded: a hang guard, not a timing claim).
    let mut early: u64 = children.iter().map(|p| written_by(*p)).sum();
    loop {
        std::thread::sleep(Duration::from_millis(250));
        let now = children.iter().map(|p| written_by(*p)).sum();
        if now == early {
            break;
        }
        early = now;
        assert!(started.elapsed() < Duration::from_secs(20), "the floods never stopped while nobody read");
    }
    let started = Instant::now();
    let mut peak = 0;
    while started.elapsed() < pause {
        peak = peak.max(rss_kib(pid));
        std::thread::sleep(Duration::from_millis(100));
    }
    let late: u64 = children.iter().map(|p| written_by(*p)).sum();
    eprintln!(
        "silent host: {floods} floods of {} MiB; children wrote {} KiB during a {pause:?} pause, {} KiB after it; \
         sidecar RSS idle {idle} KiB, peak {peak} KiB",
        bytes >> 20,
        early >> 10,
        late >> 10
    );
    assert_eq!(early, late, "the children kept writing while the host read nothing");
    assert!(late < (floods * bytes) as u64, "everything was written during the pause: nothing held back");
    assert!(peak <= idle + SILENT_HOST_RSS_BOUND_KIB, "sidecar grew from {idle} KiB to {peak} KiB");

    // Reading resumes: ack every output frame and check each stream as it comes.
    let want = pattern(bytes);
    let resumed = Instant::now();
    let mut got = vec![0usize; floods];
    let mut exits = 0;
    while exits < floods {
        let Ok(Decoded::Frame(h, payload)) = decode(&mut from) else { panic!("stream ended early") };
        let id = h["id"].as_str().unwrap_or("").to_string();
        match h["event"].as_str() {
            Some("output") => {
                let n: usize = id[1..].parse().unwrap();
                assert_eq!(&payload[..], &want[got[n]..got[n] + payload.len()], "{id}: bytes differ at {}", got[n]);
                got[n] += payload.len();
                to.write_all(&encode(&json!({"op": "ack", "id": id, "bytes": payload.len()}), &[])).unwrap();
            }
            Some("exit") => {
                assert_eq!((h["code"].as_i64(), h["drain"].as_str()), (Some(0), Some("complete")), "{h}");
                exits += 1;
            }
            Some("spawned") => {}
            _ => panic!("unexpected event {h}"),
        }
    }
    assert_eq!(got, vec![bytes; floods], "bytes received per flood");
    let secs = resumed.elapsed().as_secs_f64();
    eprintln!("silent host: after the pause, {} MiB in {secs:.1} s ({:.0} MiB/s)", (floods * bytes) >> 20, (floods * bytes) as f64 / 1048576.0 / secs);
    drop(to);
    let deadline = Instant::now() + Duration::from_secs(20);
    while sidecar.try_wait().unwrap().is_none() && Instant::now() < deadline {
        let _ = decode(&mut from);
    }
    let status = sidecar.try_wait().unwrap();
    if status.is_none() {
        let _ = sidecar.kill();
        let _ = sidecar.wait();
    }
    assert!(status.is_some_and(|s| s.success()), "sidecar after stdin EOF: {status:?}");
}
