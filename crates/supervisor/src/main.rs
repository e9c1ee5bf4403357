//! The binary: parse flags, set up logging, run the server on stdin/stdout.

use pawwork_supervisor::Config;

const HELP: &str = "pawwork-supervisor: process supervisor sidecar

Speaks the framed protocol of docs/reference/protocol.md on stdin/stdout; logs go to
stderr (level from PAWWORK_SUPERVISOR_LOG, e.g. debug; default warn).

Options:
  --no-cgroup           do not contain trees in cgroups (process groups only;
                        also PAWWORK_SUPERVISOR_NO_CGROUP=1)
  --max-children N      live children allowed at once (default 4096)
  --sync-dir DIR        (Unix) also serve the spawn channel: two FIFOs the
                        sidecar creates in DIR, a directory of this user
                        with mode 0700 (docs/reference/protocol.md)
  --sync-pipe NAME      (Windows) the same, as the named pipe NAME
                        (\\\\.\\pipe\\...)
  --version             print the version
  --help                print this help";

fn main() {
    // First of all: until this returns, a Ctrl-C meant for the host's
    // terminal job still reaches the sidecar.
    pawwork_supervisor::platform::leave_host_group();
    let mut config = Config::default();
    let mut sync: Option<std::path::PathBuf> = None;
    // The environment variable lets a host (or a test matrix) measure the
    // process-group fallback without changing how the binary is started.
    if std::env::var_os("PAWWORK_SUPERVISOR_NO_CGROUP").is_some_and(|v| v == "1") {
        config.use_cgroup = false;
    }
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--no-cgroup" => config.use_cgroup = false,
            // Internal: Windows' console helper (platform/windows/console.rs).
            "--watchdog" => std::process::exit(pawwork_supervisor::platform::watchdog_main(args.collect())),
            "--max-children" => match args.next().and_then(|v| v.parse().ok()) {
                Some(n) => config.max_children = n,
                None => usage_error("--max-children needs a number"),
            },
            #[cfg(unix)]
            "--sync-dir" => sync = Some(args.next().unwrap_or_else(|| usage_error("--sync-dir needs a directory")).into()),
            #[cfg(windows)]
            "--sync-pipe" => sync = Some(args.next().unwrap_or_else(|| usage_error("--sync-pipe needs a pipe name")).into()),
            "--version" => {
                println!("pawwork-supervisor {} (protocol {})", env!("CARGO_PKG_VERSION"), pawwork_supervisor::protocol::PROTOCOL_VERSION);
                return;
            }
            "--help" | "-h" => {
                println!("{HELP}");
                return;
            }
            other => usage_error(&format!("unknown argument {other:?}")),
        }
    }
    let filter = tracing_subscriber::EnvFilter::try_from_env("PAWWORK_SUPERVISOR_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).init();

    // Before the runtime, while this is the only thread: the watchdog is a
    // fork of this process (Linux; None elsewhere).
    let watchdog = pawwork_supervisor::platform::start_watchdog();
    // Current-thread on purpose: every child is forked from the main thread,
    // which lives as long as the process, so PR_SET_PDEATHSIG (tied to the
    // forking thread) fires exactly when the sidecar dies.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    let code = runtime.block_on(async {
        let sync = sync.map(|at| {
            pawwork_supervisor::platform::sync_endpoint(&at).unwrap_or_else(|e| {
                eprintln!("pawwork-supervisor: cannot serve the spawn channel at {}: {e}", at.display());
                std::process::exit(2)
            })
        });
        let io = pawwork_supervisor::platform::stdio();
        pawwork_supervisor::serve(io.input, io.output, io.splice, io.gone, config, watchdog, sync).await
    });
    std::process::exit(code);
}

fn usage_error(msg: &str) -> ! {
    eprintln!("pawwork-supervisor: {msg}\n\n{HELP}");
    std::process::exit(2);
}
