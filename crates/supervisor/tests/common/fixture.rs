//! The one lookup of the `pawwork-fixture` binary for every test target
//! (the Windows lifecycle runner excepted, see its `setup`).
//!
//! Lookup order: `PAWWORK_FIXTURE_PATH`, then next to the sidecar binary cargo
//! built for this test run (same target dir and profile), then a one-time
//! `cargo build -p pawwork-fixture` into that same place.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const SIDECAR: &str = env!("CARGO_BIN_EXE_pawwork-supervisor");

static FIXTURE: OnceLock<PathBuf> = OnceLock::new();

pub fn fixture_path() -> &'static Path {
    FIXTURE.get_or_init(locate)
}

fn locate() -> PathBuf {
    if let Some(p) = std::env::var_os("PAWWORK_FIXTURE_PATH") {
        let p = PathBuf::from(p);
        assert!(p.is_file(), "PAWWORK_FIXTURE_PATH={} is not a file", p.display());
        return p;
    }
    let bin_dir = Path::new(SIDECAR).parent().expect("sidecar binary has a parent dir");
    let sibling = bin_dir.join(format!("pawwork-fixture{}", std::env::consts::EXE_SUFFIX));
    if !sibling.is_file() {
        build(bin_dir);
    }
    assert!(
        sibling.is_file(),
        "pawwork-fixture not found at {} even after building it; set PAWWORK_FIXTURE_PATH",
        sibling.display()
    );
    sibling
}

/// Builds into the same target dir and profile as the sidecar. Runs at most
/// once per test binary (OnceLock), bounded so a stuck build lock fails the
/// suite instead of hanging it.
fn build(bin_dir: &Path) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "-p", "pawwork-fixture"])
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    if bin_dir.file_name().is_some_and(|n| n == "release") {
        cmd.arg("--release");
    }
    // target/<profile>/ -> target/
    if let Some(target_dir) = bin_dir.parent() {
        cmd.arg("--target-dir").arg(target_dir);
    }
    let mut child = cmd.spawn().expect("run cargo build -p pawwork-fixture");
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        if let Some(status) = child.try_wait().expect("wait for cargo") {
            assert!(status.success(), "cargo build -p pawwork-fixture failed: {status}");
            return;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("cargo build -p pawwork-fixture did not finish in 900 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// argv for one fixture run that reports into `report`.
pub fn fixture_argv(report: &Path, args: &[&str]) -> Vec<String> {
    let mut argv = vec![
        fixture_path().to_string_lossy().into_owned(),
        "--report".to_string(),
        report.to_string_lossy().into_owned(),
    ];
    argv.extend(args.iter().map(|s| s.to_string()));
    argv
}
