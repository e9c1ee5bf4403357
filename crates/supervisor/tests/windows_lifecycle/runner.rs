//! The runner: a context shared by the scenarios (binaries, a unique copy of
//! the fixture, a report directory, the host view), and the verdicts.

use std::path::PathBuf;
use std::time::Instant;

use super::{procs, scenarios_console, scenarios_foreign, scenarios_io, scenarios_tree, Host, Proc, Report, Sidecar};

pub enum Outcome {
    Pass(String),
    /// The environment cannot do what the scenario checks; says why.
    NotRun(String),
}

pub type Verdict = Result<Outcome, String>;

/// The bound on every wait of a scenario: generous, it only catches a hang.
pub const T: std::time::Duration = std::time::Duration::from_secs(60);

/// A scenario's check: `Err(what())` when `cond` fails.
pub fn expect(cond: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if cond {
        Ok(())
    } else {
        Err(what())
    }
}

/// How long the host's process list may lag the Windows view (see `check_gone`).
const HOST_EXIT_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

pub struct Ctx {
    pub sidecar_exe: PathBuf,
    pub fixture: PathBuf,
    /// File name of the fixture copy: unique to this run, so the host's
    /// process list can be searched for it.
    pub fixture_name: String,
    pub dir: PathBuf,
    pub wine: Option<String>,
    pub host: Option<Host>,
    seq: u32,
}

impl Ctx {
    pub fn sidecar(&self) -> Result<Sidecar, String> {
        Sidecar::start(&self.sidecar_exe)
    }

    pub fn report(&mut self, name: &str) -> Report {
        self.seq += 1;
        Report::new(self.dir.join(format!("{}-{name}.jsonl", self.seq)))
    }

    pub fn argv(&self, report: &Report, args: &[&str]) -> Vec<String> {
        let mut v = vec![self.fixture.display().to_string(), "--report".into(), report.path().display().to_string()];
        v.extend(args.iter().map(|s| s.to_string()));
        v
    }

    /// Every reported member gone in the Windows view right now, and (under
    /// Wine) no process of the fixture copy left in the host's list.
    pub fn check_gone(&mut self, members: &[Proc], when: &str) -> Result<String, String> {
        let left = procs::wait_all_gone(members, std::time::Duration::ZERO);
        if !left.is_empty() {
            return Err(format!("{when}: pids {left:?} still alive (Windows view) of {members:?}"));
        }
        // The Windows view must be empty at once (that is the invariant).
        // Wine marks a terminated process dead before its host process has
        // finished exiting (seen under heavy CPU load: one still listed at
        // the instant of `exit`), so the host cross-check gets a bounded
        // grace, and says when it needed it.
        let Some(host) = self.host.as_mut() else {
            return Ok(format!("{} pids gone (Windows view; no host view)", members.len()));
        };
        let start = std::time::Instant::now();
        loop {
            match host.processes_with(&self.fixture_name) {
                None => return Err(format!("{when}: the host process list could not be read")),
                Some(lines) if lines.is_empty() => {
                    let ms = start.elapsed().as_millis();
                    let lag = if ms > 100 { format!(", host ps after {ms} ms") } else { String::new() };
                    return Ok(format!("{} pids gone (Windows view + host ps{lag})", members.len()));
                }
                Some(lines) if start.elapsed() >= HOST_EXIT_GRACE => {
                    return Err(format!("{when}: host still lists {lines:?} {HOST_EXIT_GRACE:?} later"));
                }
                Some(_) => std::thread::sleep(std::time::Duration::from_millis(50)),
            }
        }
    }

    /// While a tree runs, the host view must see at least `n` of its
    /// processes; otherwise a later "gone" from it would prove nothing.
    pub fn check_host_sees(&mut self, n: usize) -> Result<(), String> {
        match self.host.as_mut().map(|h| h.processes_with(&self.fixture_name)) {
            None => Ok(()),
            Some(None) => Err("the host process list could not be read".into()),
            Some(Some(lines)) if lines.len() < n => Err(format!("host ps sees {} fixture processes, expected {n}+", lines.len())),
            Some(Some(_)) => Ok(()),
        }
    }

    /// The sidecar log lines about console control events (evidence for a
    /// "not run").
    pub fn console_evidence(log: &str) -> String {
        let lines: Vec<&str> = log.lines().filter(|l| l.contains("console control event")).collect();
        if lines.is_empty() {
            "no console helper result was logged".into()
        } else {
            lines.join(" | ")
        }
    }
}

fn to_wine_path(p: &str) -> PathBuf {
    if p.starts_with('/') {
        PathBuf::from(format!("Z:{}", p.replace('/', "\\")))
    } else {
        PathBuf::from(p)
    }
}

fn setup() -> Result<Ctx, String> {
    let sidecar_exe = to_wine_path(
        &std::env::var("PAWWORK_SUPERVISOR_PATH").unwrap_or_else(|_| env!("CARGO_BIN_EXE_pawwork-supervisor").to_owned()),
    );
    // Not the shared lookup (common::fixture): under Wine the paths cargo
    // and the environment give are host paths to translate, and a missing
    // fixture cannot be built from inside Wine; scripts/windows-cross.sh
    // builds it next to the sidecar first.
    let built_fixture = match std::env::var("PAWWORK_FIXTURE_PATH") {
        Ok(p) => to_wine_path(&p),
        Err(_) => sidecar_exe.with_file_name("pawwork-fixture.exe"),
    };
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let run = format!("{}x{nanos}", std::process::id());
    let dir = std::env::temp_dir().join(format!("pawwork-wl-{run}"));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let fixture_name = format!("pawwork-fixture-{run}.exe");
    let fixture = dir.join(&fixture_name);
    std::fs::copy(&built_fixture, &fixture).map_err(|e| format!("cannot copy the fixture {}: {e}", built_fixture.display()))?;
    let wine = procs::wine_version();
    let host = Host::new(&run);
    Ok(Ctx { sidecar_exe, fixture, fixture_name, dir, wine, host, seq: 0 })
}

type Scenario = (&'static str, fn(&mut Ctx) -> Verdict);

const SCENARIOS: &[Scenario] = &[
    ("handshake_reports_job_mode", scenarios_io::handshake),
    ("exit_code_stderr_and_quoting", scenarios_io::exit_code_and_quoting),
    ("spawn_options_env_cwd_enoent", scenarios_io::spawn_options),
    ("flood_both_streams_drains_complete", scenarios_io::flood),
    ("stdin_round_trip", scenarios_io::stdin_echo),
    ("extra_fds_through_the_crt_table", scenarios_io::extra_fds),
    ("cancel_tree_every_pid_gone", scenarios_tree::cancel_tree),
    ("cancel_orphaned_subtree", scenarios_tree::orphan),
    ("leftover_killed_after_root_exit", scenarios_tree::leftover),
    ("hold_pipe_drain_cut_and_bounded", scenarios_tree::hold_pipe),
    ("timeout_runs_the_ladder", scenarios_tree::timeout),
    ("stdin_eof_cancels_everything", scenarios_tree::host_gone),
    ("sidecar_killed_kill_on_close", scenarios_tree::sidecar_killed),
    ("terminate_foreign_tree_job", scenarios_foreign::terminate_foreign_tree),
    ("graceful_sigterm_is_ctrl_break", scenarios_console::graceful_term),
    ("sigint_is_ctrl_c_to_every_node", scenarios_console::sigint),
    ("graceful_sigint_ladder_no_kill", scenarios_console::graceful_int_ladder),
    ("ctrl_c_status_names_sigint", scenarios_console::ctrl_c_status_names_sigint),
];

pub fn run() -> i32 {
    let mut cx = match setup() {
        Ok(cx) => cx,
        Err(e) => {
            println!("windows_lifecycle: setup failed: {e}");
            println!("windows_lifecycle: 0 passed, 1 failed");
            return 1;
        }
    };
    let label = match &cx.wine {
        Some(v) => format!("Windows API under Wine {v}"),
        None => "Windows".to_owned(),
    };
    println!("windows_lifecycle: {} scenarios, results labelled \"{label}\"", SCENARIOS.len());
    println!("  sidecar {}  fixture {}", cx.sidecar_exe.display(), cx.fixture.display());
    // For chasing a flaky scenario: PAWWORK_WL_ONLY=name[,name] narrows the
    // run (empty: all of them, as when unset), PAWWORK_WL_REPEAT=N runs each
    // selected scenario N times.
    let only: Option<Vec<String>> =
        std::env::var("PAWWORK_WL_ONLY").ok().filter(|v| !v.is_empty()).map(|v| v.split(',').map(str::to_owned).collect());
    let repeat: usize = std::env::var("PAWWORK_WL_REPEAT").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    if let Some(unknown) = only.as_ref().and_then(|o| o.iter().find(|n| !SCENARIOS.iter().any(|(s, _)| s == n))) {
        println!("windows_lifecycle: PAWWORK_WL_ONLY names no scenario {unknown:?}");
        println!("windows_lifecycle: 0 passed, 1 failed");
        return 1;
    }
    let selected = SCENARIOS.iter().filter(|(name, _)| only.as_ref().is_none_or(|o| o.iter().any(|n| n == name)));
    let (mut passed, mut failed, mut not_run) = (0, 0, 0);
    for (name, scenario) in selected.flat_map(|s| std::iter::repeat_n(s, repeat.max(1))) {
        let t = Instant::now();
        let verdict = scenario(&mut cx);
        let ms = t.elapsed().as_millis();
        match verdict {
            Ok(Outcome::Pass(note)) => {
                passed += 1;
                println!("PASS     [{label}] {name} ({ms} ms): {note}");
            }
            Ok(Outcome::NotRun(why)) => {
                not_run += 1;
                println!("NOT RUN  [{label}] {name} ({ms} ms): {why}");
            }
            Err(why) => {
                failed += 1;
                println!("FAIL     [{label}] {name} ({ms} ms): {why}");
            }
        }
    }
    let _ = std::fs::remove_dir_all(&cx.dir);
    println!("windows_lifecycle: {passed} passed, {failed} failed, {not_run} skipped");
    i32::from(failed > 0)
}

