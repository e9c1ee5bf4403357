//! A private directory per test for report files and the sidecar's log.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::leaks;

static NEXT: AtomicUsize = AtomicUsize::new(0);

pub struct TestDir {
    path: PathBuf,
}

impl TestDir {
    /// Named after the running test (cargo names each test's thread after it)
    /// so a kept directory points back at its test.
    pub fn new() -> TestDir {
        let thread = std::thread::current();
        let name: String = thread
            .name()
            .unwrap_or("test")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '-' })
            .collect();
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir()
            .join("pawwork-supervisor-it")
            .join(format!("{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create test dir");
        TestDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A report file path inside this dir; every `*.report` file is swept
    /// for survivors when the dir is dropped.
    pub fn report(&self, name: &str) -> PathBuf {
        self.path.join(format!("{name}.report"))
    }

    fn reports(&self) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(&self.path) else { return Vec::new() };
        entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "report"))
            .collect()
    }
}

impl Drop for TestDir {
    /// Last line of defence: a test that failed half-way must still leave no
    /// process behind. Survivors were already reported by the failing
    /// assertion (or are reported here), then killed by pid + start time.
    fn drop(&mut self) {
        let mut survivors = Vec::new();
        for report in self.reports() {
            survivors.extend(leaks::kill_survivors(&report));
        }
        if !survivors.is_empty() {
            eprintln!("test dir {}: killed survivors {survivors:?}", self.path.display());
        }
        if std::thread::panicking() {
            eprintln!("test dir kept for inspection: {}", self.path.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}
