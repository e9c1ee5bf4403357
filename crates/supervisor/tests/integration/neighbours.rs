//! Sidecars side by side in one cgroup (two PawWork windows, a test run
//! beside the app): each keeps its trees in `pawwork-supervisor-<pid>` below
//! their common cgroup, and each start removes the subtrees of sidecars that
//! died without removing theirs. A starting sidecar must tell the two apart
//! exactly: a live neighbour's trees are never touched, whatever its binary
//! is called, and a dead one's are killed and removed.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::harness::leaks::{alive, cgroup_members, wait_gone};
use crate::common::harness::*;

/// Our cgroup's directory (the parent of every sidecar's subtree), from the
/// sidecar's own claim; `None` where it runs without cgroups, unless the run
/// says cgroups must be there.
fn shared_parent(sc: &Sidecar) -> Option<PathBuf> {
    match sc.hello()["capabilities"]["cgroup"].as_str() {
        Some(subtree) => Some(Path::new(subtree).parent().expect("a subtree has a parent").to_path_buf()),
        None => {
            assert_ne!(
                std::env::var("PAWWORK_EXPECT_CONTAINMENT").as_deref(),
                Ok("cgroup"),
                "this run expects cgroup containment, the sidecar has none: {}",
                sc.hello()
            );
            eprintln!("not run: the sidecar has no cgroup containment here, so there are no subtrees to tell apart");
            None
        }
    }
}

/// The old rule took a subtree for dead when no process of that pid was
/// called `pawwork-supervi*`: a sidecar installed under another name lost
/// its running trees to the next sidecar that started. The live one's lock
/// on its subtree is what protects it now.
#[test]
fn a_starting_sidecar_leaves_a_live_neighbours_trees_alone_whatever_its_name() {
    let dir = TestDir::new();
    let renamed = dir.path().join("renamed-sidecar");
    // A symlink: the process is named after the path it was started by, and
    // a copy would be open for writing while parallel tests fork (ETXTBSY).
    std::os::unix::fs::symlink(fixture::SIDECAR, &renamed).expect("link the sidecar under another name");
    let mut first = Sidecar::start_program(&dir, &renamed, |_| {});
    let Some(_) = shared_parent(&first) else { return };
    let report = Report::new(dir.report("kept"));
    first.spawn("c1", &fixture_argv(report.path(), &["tree", "--depth", "1", "--width", "2"]), json!({}));
    let procs = report.wait_procs(3);

    // The second sidecar reaps stale subtrees while it starts: by its hello,
    // that is done.
    let other_dir = TestDir::new();
    let mut second = Sidecar::start(&other_dir);
    second.spawn("s1", &fixture_argv(&other_dir.report("s1"), &["exit", "--code", "0"]), json!({}));
    assert_eq!(second.wait_exit("s1")["code"], 0);

    for p in &procs {
        assert!(alive(p.pid, &p.start), "pid {} of the first sidecar's tree was killed when the second started", p.pid);
    }
    let again = Report::new(dir.report("again"));
    first.spawn("c2", &fixture_argv(again.path(), &["exit", "--code", "0"]), json!({}));
    assert_eq!(first.wait_exit("c2")["code"], 0, "the first sidecar spawns as before");
    first.cancel("c1");
    assert_eq!(first.wait_exit("c1")["reason"], "cancelled");
    assert_all_gone(&report, GONE);
}

/// A cgroup of this test's own below the shared one, so that the sidecars
/// other tests start in parallel (which reap stale subtrees of the shared
/// cgroup as they start) never see the leftover this test plants. Removed
/// once its processes are gone.
struct OwnCgroup(PathBuf);

impl OwnCgroup {
    fn new(parent: &Path, name: &str) -> OwnCgroup {
        let dir = parent.join(format!("pawwork-it-{name}-{}", std::process::id()));
        std::fs::create_dir(&dir).expect("create the test's own cgroup");
        OwnCgroup(dir)
    }

    /// The sidecar, started inside this cgroup.
    fn start_sidecar(&self, dir: &TestDir) -> Sidecar {
        Sidecar::start_program(dir, Path::new("/bin/sh"), |cmd| {
            joined_then_exec(cmd, &self.0).arg(fixture::SIDECAR);
        })
    }
}

/// `cmd` (a `/bin/sh`) moves itself into `cgroup`, then execs the arguments
/// added after this: the program starts there, before it can fork.
fn joined_then_exec<'a>(cmd: &'a mut Command, cgroup: &Path) -> &'a mut Command {
    cmd.arg("-c").arg(r#"echo $$ > "$0/cgroup.procs" && exec "$@""#).arg(cgroup)
}

impl Drop for OwnCgroup {
    /// Normally only the empty cgroup is left (the sidecar removed its
    /// subtree and reaped the leftover). After a failure, what the test
    /// planted may still run: it is this cgroup's alone, so it is killed
    /// through the cgroup, and every directory removed, deepest first.
    fn drop(&mut self) {
        let _ = std::fs::write(self.0.join("cgroup.kill"), "1");
        let deadline = std::time::Instant::now() + GONE;
        while remove_tree(&self.0).is_err() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

fn remove_tree(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)?.flatten() {
        if entry.path().is_dir() {
            remove_tree(&entry.path())?;
        }
    }
    std::fs::remove_dir(dir)
}

/// What the lock must not cost: a subtree nobody holds, named after a
/// process that is gone, with a process still running in it, is killed and
/// removed by the next sidecar to start beside it.
#[test]
fn a_starting_sidecar_kills_and_removes_a_dead_sidecars_leftover_subtree() {
    let dir = TestDir::new();
    let Some(parent) = shared_parent(&Sidecar::start(&dir)) else { return };
    let own = OwnCgroup::new(&parent, "leftover");

    // A pid that is gone: our own child, reaped.
    let mut gone = Command::new("true").spawn().expect("start true");
    let dead = gone.id();
    gone.wait().expect("reap true");
    let leftover = own.0.join(format!("pawwork-supervisor-{dead}"));
    let tree = leftover.join("t1");
    std::fs::create_dir_all(&tree).expect("create a leftover subtree");

    // A process the dead sidecar would have left: started by the test, in
    // the leftover subtree. One process, so that no orphan of it is left to
    // an init that may not reap.
    let report = Report::new(dir.report("left"));
    let argv = fixture_argv(report.path(), &["sleep"]);
    let root = joined_then_exec(&mut Command::new("/bin/sh"), &tree).args(&argv).spawn().expect("start the leftover process");
    // Reaped as soon as it dies, as a dead sidecar's roots are by whoever
    // adopts them: a zombie keeps its cgroup populated, so it cannot be removed.
    let reaper = std::thread::spawn(move || {
        let mut root = root;
        root.wait()
    });
    let planted = report.wait_procs(1);
    assert_eq!(cgroup_members(&leftover), vec![planted[0].pid], "the process is in the leftover subtree");

    let other_dir = TestDir::new();
    let second = own.start_sidecar(&other_dir);
    let subtree = second.hello()["capabilities"]["cgroup"].as_str().map(PathBuf::from);
    assert_eq!(subtree.as_deref().and_then(Path::parent), Some(own.0.as_path()), "the sidecar runs in the test's cgroup");
    let left = wait_gone(&report, GONE);
    assert!(left.is_empty(), "the process in the leftover subtree is still alive: {left:?}");
    // Only now: a root that was never killed would keep this waiting.
    let _ = reaper.join();
    assert!(!leftover.exists(), "{} was not removed", leftover.display());
    drop(second);
}
