//! Load through one sidecar: many children alive at once, and many spawns
//! one after another. Afterwards the sidecar holds the fds it held when
//! idle and has no zombie child; its memory per live child stays under a
//! bound, and does not grow from one round of load to the next (what the
//! allocator keeps after a round is reused, a leak would add up).
//! Reduced sizes by default; `PAWWORK_FULL_LOAD=1` runs 1,000 live children
//! and 10,000 sequential spawns (docs/reference/load-and-hostile-input.md; use
//! `--release`). Linux only: the checks read `/proc`.
#![cfg(target_os = "linux")]

// The shared client, /proc reader, sizes and the integration suite's
// harness on top (tests/common).
mod common;

use std::time::{Duration, Instant};

use common::harness::*;
use common::procfs::{fd_count, rss_kib, worker_children_of, zombies_of};
use common::sizes::size;

/// What the sidecar holds at one moment.
#[derive(Debug, Clone, Copy)]
struct Usage {
    fds: usize,
    rss_kib: u64,
    children: usize,
    zombies: usize,
}

fn usage(sc: &Sidecar) -> Usage {
    let pid = sc.pid();
    Usage { fds: fd_count(pid), rss_kib: rss_kib(pid), children: worker_children_of(pid).len(), zombies: zombies_of(pid) }
}

/// Memory the sidecar may keep after a load: allocator caches and the ids
/// of finished children (kept for the sidecar's life, so that a late
/// request on one gets "has exited"), about 100 bytes each.
fn rss_allowance_kib(finished_ids: usize) -> u64 {
    4 * 1024 + (finished_ids as u64 * 100) / 1024
}

/// Runs `n` short children first, so lazily built state (runtime, cgroup
/// root, reaper) is part of the idle figure, then waits for quiet.
fn warm_up(sc: &mut Sidecar, dir: &TestDir, cursor: &mut usize) -> Usage {
    let argv = fixture_argv(&dir.report("warm"), &["exit", "--code", "0"]);
    for i in 0..20 {
        run_one(sc, &format!("warm-{i}"), &argv, cursor);
    }
    settle(sc, None)
}

/// Spawns one child, waits for its exit from `cursor` on, checks code 0.
fn run_one(sc: &mut Sidecar, id: &str, argv: &[String], cursor: &mut usize) {
    let req = sc.spawn_req(id, argv, piped(&["stdout", "stderr"]));
    let at = sc.wait_index_from(*cursor, &format!("answer to spawn {id}"), HANG, |e| e.req() == Some(req));
    assert_eq!(sc.events()[at].name(), "spawned", "{id}: {}", sc.events()[at].brief());
    let at = sc.wait_index_from(at, &format!("exit of {id}"), HANG, |e| e.is("exit", id));
    let exit = &sc.events()[at].header;
    assert_eq!((exit["reason"].as_str(), exit["code"].as_i64()), (Some("exited"), Some(0)), "{id}: {exit}");
    *cursor = at + 1;
}

/// Polls until the sidecar has no child but its watchdog and its fd count
/// is `fds` (or stable, when None); returns the usage then.
fn settle(sc: &mut Sidecar, fds: Option<usize>) -> Usage {
    let deadline = Instant::now() + GONE;
    let mut last = usage(sc);
    loop {
        sc.pump(Duration::from_millis(50));
        let now = usage(sc);
        let quiet = now.children == 0 && now.zombies == 0 && fds.map_or(now.fds == last.fds, |f| now.fds == f);
        if quiet || Instant::now() > deadline {
            return now;
        }
        last = now;
    }
}

/// Bound on the sidecar's memory per live child with both output streams
/// piped and silent: two 64 KiB read buffers, tasks, pipes (measured: about
/// 100 KiB; docs/reference/load-and-hostile-input.md).
const PER_LIVE_CHILD_KIB: u64 = 256;

/// Starts `ids` at once, checks they are all live, cancels them all.
/// Returns (peak usage, spawn time, cancel time).
fn live_cycle(sc: &mut Sidecar, report: &Report, ids: &[String], cursor: &mut usize) -> (Usage, Duration, Duration) {
    let argv = fixture_argv(report.path(), &["sleep"]);
    let before = report.procs().len();
    let started = Instant::now();
    let reqs: Vec<u64> = ids.iter().map(|id| sc.spawn_req(id, &argv, piped(&["stdout", "stderr"]))).collect();
    for (id, req) in ids.iter().zip(&reqs) {
        let at = sc.wait_index_from(*cursor, &format!("answer to spawn {id}"), HANG, |e| e.req() == Some(*req));
        assert_eq!(sc.events()[at].name(), "spawned", "{id}: {}", sc.events()[at].brief());
    }
    let spawn_time = started.elapsed();
    report.wait_procs(before + ids.len());
    let peak = usage(sc);
    assert_eq!(peak.children, ids.len(), "the sidecar's children while {} are live: {peak:?}", ids.len());
    let started = Instant::now();
    for id in ids {
        sc.cancel(id);
    }
    for id in ids {
        let at = sc.wait_index_from(*cursor, &format!("exit of {id}"), HANG, |e| e.is("exit", id));
        assert_eq!(sc.events()[at].header["reason"], "cancelled", "{id}: {}", sc.events()[at].brief());
    }
    *cursor = sc.events().len();
    (peak, spawn_time, started.elapsed())
}

/// What "back to its idle level" allows: the allocator's arenas and caches
/// once warmed (measured: 0.8-1.3 MiB over idle after 1,000 live children).
const BACK_TO_IDLE_KIB: u64 = 4 * 1024;

#[test]
fn many_children_alive_at_once_then_nothing_left() {
    let live = size(200, 1_000);
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let mut cursor = 0;
    let idle = warm_up(&mut sc, &dir, &mut cursor);
    let report = Report::new(dir.report("sleepers"));
    // Rounds: the allocator keeps what the first round freed (RSS does not
    // return to idle, see the doc) and the second touches a little more;
    // from then on a steady state, which a leak would not reach.
    let mut rounds = Vec::new();
    let n_rounds = std::env::var("PAWWORK_LOAD_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3usize).max(2);
    for round in 0..n_rounds {
        let ids: Vec<String> = (0..live).map(|i| format!("live-{round}-{i}")).collect();
        let (peak, spawn_time, cancel_time) = live_cycle(&mut sc, &report, &ids, &mut cursor);
        let after = settle(&mut sc, Some(idle.fds));
        eprintln!(
            "round {round}: {live} live children spawned in {spawn_time:?}, cancelled in {cancel_time:?}; \
             idle {idle:?}; peak {peak:?}; after {after:?}"
        );
        assert!(
            peak.rss_kib <= idle.rss_kib + 16 * 1024 + live as u64 * PER_LIVE_CHILD_KIB,
            "memory per live child over its bound: idle {idle:?}, peak {peak:?}"
        );
        assert_eq!(after.fds, idle.fds, "fds grew: idle {idle:?}, after {after:?}");
        // Back to idle: freed heap is returned when the last child ends, and
        // finished ids are fingerprints in preallocated tables (finished.rs).
        assert!(
            after.rss_kib <= idle.rss_kib + BACK_TO_IDLE_KIB,
            "memory did not come back to idle: idle {idle:?}, after {after:?}"
        );
        assert_eq!((after.children, after.zombies), (0, 0), "children left: {after:?}");
        rounds.push(after);
    }
    assert!(
        rounds[n_rounds - 1].rss_kib <= rounds[1].rss_kib + rss_allowance_kib(live),
        "memory grew from round to round: {:?}",
        rounds.iter().map(|u| u.rss_kib).collect::<Vec<_>>()
    );
    assert_all_gone(&report, GONE);
}

#[test]
fn many_sequential_spawns_leave_no_fd_zombie_or_memory_behind() {
    let total = size(400, 10_000);
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let mut cursor = 0;
    let idle = warm_up(&mut sc, &dir, &mut cursor);
    let report = Report::new(dir.report("sequential"));
    let argv = fixture_argv(report.path(), &["exit", "--code", "0"]);
    let started = Instant::now();
    let mut samples = Vec::new();
    for i in 0..total {
        run_one(&mut sc, &format!("seq-{i}"), &argv, &mut cursor);
        if (i + 1) % (total / 5) == 0 {
            let u = usage(&sc);
            assert_eq!(u.zombies, 0, "zombies after {} spawns: {u:?}", i + 1);
            samples.push((i + 1, u));
        }
    }
    let elapsed = started.elapsed();
    let after = settle(&mut sc, Some(idle.fds));
    eprintln!(
        "{total} sequential spawns in {elapsed:?} ({:.0}/s); idle {idle:?}; samples {samples:?}; after {after:?}",
        total as f64 / elapsed.as_secs_f64()
    );
    assert_eq!(after.fds, idle.fds, "fds grew: idle {idle:?}, after {after:?}");
    assert_eq!((after.children, after.zombies), (0, 0), "children left: {after:?}");
    assert!(
        after.rss_kib <= idle.rss_kib + rss_allowance_kib(total),
        "memory grew: idle {} KiB, after {} KiB, allowed {} KiB",
        idle.rss_kib,
        after.rss_kib,
        rss_allowance_kib(total)
    );
    assert_eq!(report.procs().len(), total, "every child ran");
    assert_all_gone(&report, GONE);
}

// This target's own modules, in tests/load/.
mod load {
    // A host that stops reading the sidecar's stdout: bounded memory, no loss.
    mod slow_host;
}
