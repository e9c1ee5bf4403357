// The steps of `npm test`, shared by scripts/test.mjs (runs them once) and
// scripts/soak.mjs (builds once, then runs the test steps N times), so the
// soak checks exactly what `npm test` checks.
//
// A step is { name, cmd, args, env, fatal, runner } where runner says whose
// output it is ("cargo", "node --test", or null for anything else), or
// { name, skip: reason } for a step this platform cannot run. `args` may be
// a function, called when the step runs (after the builds).
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const linux = process.platform === "linux";

// npm is a .cmd script on Windows, which spawnSync cannot start without a
// shell; under `npm test` npm names its own entry point, run by this Node.
export const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ["npm"];

const cmd = (name, command, args, opts = {}) => ({ name, cmd: command, args, env: {}, fatal: false, runner: null, ...opts });
const npmCmd = (name, args, opts) => cmd(name, npm[0], () => [...npm.slice(1), ...(typeof args === "function" ? args() : args)], opts);
const skip = (name, reason) => ({ name, skip: reason });

/**
 * What must exist before any test step runs: fatal when it fails. Debug
 * builds for the Rust and TypeScript tests, release builds for the matrix's
 * short run (it measures what users would ship), and the test builds of the
 * TypeScript packages (their `test` scripts build them, `test:only` does not).
 */
export const buildSteps = [
  cmd("build Rust (debug)", "cargo", ["build", "--workspace", "--locked"], { fatal: true }),
  cmd("build Rust (release)", "cargo", ["build", "--release", "--workspace", "--locked"], { fatal: true }),
  npmCmd("build TypeScript", ["run", "build"], { fatal: true }),
  npmCmd("build TypeScript tests", ["run", "build:test", "-w", "@pawwork/process"], { fatal: true }),
];

/**
 * The cargo test binaries, built without running them: the soak builds them
 * once before its first round; `npm test`'s own `cargo test` builds them
 * anyway, so it does not need this step.
 */
export const cargoTestBuild = cmd("build Rust tests", "cargo", ["test", "--workspace", "--locked", "--no-run"], { fatal: true });

// `--no-fail-fast`: cargo stops at the first failing test binary otherwise,
// and a failure in one binary would hide every failure in the next.
const cargoTest = ["test", "--no-fail-fast"];

/** The checks, in order: each runs whatever failed before it. */
export const testSteps = [
  cmd("lint workflows (actionlint)", process.execPath, [join("scripts", "lint-workflows.mjs")]),
  // Every target of every crate, tests included, warnings as errors: seconds on a warm cache. A
  // toolchain without clippy (Debian's cargo, a minimal rustup profile) gets a named skip, never a pass.
  hasClippy()
    ? cmd("cargo clippy", "cargo", ["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"])
    : skip("cargo clippy", "this toolchain has no clippy (rustup component add clippy)"),
  // Everywhere; the suites that read /proc compile to nothing off Linux, and on
  // Windows this includes the Windows backend's lifecycle tests, natively.
  cmd("cargo test", "cargo", [...cargoTest, "--workspace", "--locked"], { runner: "cargo" }),
  // The Windows backend's lifecycle scenarios are not part of a plain `cargo test` (off Windows they would
  // run nothing yet count as a passed target): named here on Windows, under Wine by windows-cross.sh.
  process.platform === "win32"
    ? cmd("cargo test (Windows lifecycle)", "cargo", [...cargoTest, "-p", "pawwork-supervisor", "--locked", "--test", "windows_lifecycle"])
    : skip("cargo test (Windows lifecycle)", "Windows binaries only: .ci/run runs them under Wine (scripts/windows-cross.sh)"),
  // The same black-box suite once more against the fallback used where no
  // writable cgroup v2 exists (process groups + environment marker); the
  // hello test asserts the sidecar really chose it.
  linux
    ? cmd("cargo test (supervisor without cgroups)", "cargo", [...cargoTest, "-p", "pawwork-supervisor", "--locked", "--test", "integration"], {
        env: { PAWWORK_SUPERVISOR_NO_CGROUP: "1", PAWWORK_EXPECT_CONTAINMENT: "fallback" },
        runner: "cargo",
      })
    : skip("cargo test (supervisor without cgroups)", "the cgroup fallback is Linux's; the integration suite reads /proc"),
  // And against std's fork and exec, the path for kernels without a usable clone3 (a seccomp filter commonly
  // hides it): the default run spawns with clone3, into each tree's cgroup; this one joins the cgroup from
  // the child before exec (the exec_search tests assert the sidecar really took the fork path). It also
  // copies output instead of splicing it, the path of a stdout that is neither a pipe nor a socket (and of
  // macOS); the default run splices (drain.rs asserts which path each run took).
  linux
    ? cmd("cargo test (supervisor on the fork and copy paths)", "cargo", [...cargoTest, "-p", "pawwork-supervisor", "--locked", "--test", "integration"], {
        env: { PAWWORK_SUPERVISOR_NO_CLONE3: "1", PAWWORK_SUPERVISOR_NO_SPLICE: "1", PAWWORK_EXPECT_CONTAINMENT: "cgroup" },
        runner: "cargo",
      })
    : skip("cargo test (supervisor on the fork and copy paths)", "clone3 is Linux's; elsewhere the fork path is the only one"),
  // PawWork runs this code under Node (desktop app) and Bun (server, CLI): the same suites on both runtimes.
  ...(linux
    ? [
        npmCmd("TypeScript tests: @pawwork/process (Node)", ["run", "test:only", "-w", "@pawwork/process"], { runner: "node --test" }),
        npmCmd("TypeScript tests: @pawwork/process (Bun)", ["run", "test:bun:only", "-w", "@pawwork/process"], { runner: "bun test" }),
      ]
    : [
        npmCmd("TypeScript tests: @pawwork/process (protocol units, Node)", ["run", "test:unit", "-w", "@pawwork/process"], { runner: "node --test" }),
        npmCmd("TypeScript tests: @pawwork/process (protocol units, Bun)", ["run", "test:bun:unit", "-w", "@pawwork/process"], { runner: "bun test" }),
        skip("TypeScript tests: @pawwork/process (process behaviour)", "their leak checks read /proc (Linux only)"),
      ]),
  // The comparison peers (execa, tree-kill, Effect's Node spawner), in their own package since they left the
  // product: the same contract as the engines, and each one's measured failures pinned, on both runtimes.
  linux
    ? npmCmd("TypeScript tests: @pawwork/peers (Node)", ["run", "test:only", "-w", "@pawwork/peers"], { runner: "node --test" })
    : skip("TypeScript tests: @pawwork/peers (Node)", "their leak checks read /proc (Linux only)"),
  linux
    ? npmCmd("TypeScript tests: @pawwork/peers (Bun)", ["run", "test:bun:only", "-w", "@pawwork/peers"], { runner: "bun test" })
    : skip("TypeScript tests: @pawwork/peers (Bun)", "their leak checks read /proc (Linux only)"),
  // What a user installs: every platform's sidecar cross-built here (static musl for Linux), the tarballs
  // `npm run pack` writes, installed into a project outside the repository and run; the arm64 binary under
  // qemu-user. Elsewhere the release workflow runs the packed install on each OS from these tarballs.
  ...(linux
    ? [
        cmd("cross-build every platform's sidecar (scripts/cross-build.sh)", "bash", [join("scripts", "cross-build.sh")]),
        cmd("pack the publishable tarballs into artifacts/npm (scripts/pack.mjs)", process.execPath, [join("scripts", "pack.mjs")]),
        cmd("packed install outside the repository: Node and Bun, ESM and CommonJS, app.asar", process.execPath, ["--test", "--test-concurrency=1", join("packaging", "test", "packed-install.test.mjs")], {
          runner: "node --test",
        }),
        cmd("linux-arm64 sidecar under qemu-user (scripts/qemu-arm64.sh)", "bash", [join("scripts", "qemu-arm64.sh")], { runner: "node --test" }),
      ]
    : [skip("cross-build, pack, packed install, arm64 under qemu-user", "cross-built and packed on Linux; the release workflow runs the packed install on this OS")]),
  // PawWork runs as an ordinary user, not root: the integration suite and a short supervisor matrix again as
  // one, inside a cgroup delegated to it and with none (scripts/as-user.sh creates both; it needs root).
  linux && isRoot() && othersCanReach(root)
    ? cmd("as an ordinary user: integration suite + short matrix, delegated cgroup and none", "bash", [join("scripts", "as-user.sh")], { runner: "cargo" })
    : skip(
        "as an ordinary user (scripts/as-user.sh)",
        !linux
          ? "Linux only (cgroup delegation)"
          : !isRoot()
            ? "creating the user and the delegated cgroup needs root"
            : `an ordinary user cannot reach ${root} (a directory on its path is not searchable by others)`,
      ),
  // What the process tests, the matrix and the bench share to see processes: /proc on Linux, the fixture
  // program's proc-start elsewhere (its lookups are compared with /proc on Linux).
  linux
    ? npmCmd("TypeScript tests: harness", ["run", "test:only", "-w", "@pawwork/harness"], { runner: "node --test" })
    : cmd("TypeScript tests: harness (all but /proc parsing)", process.execPath, () => ["--test", "--test-concurrency=1", ...harnessFilesOffLinux()], {
        runner: "node --test",
      }),
  linux
    ? npmCmd("TypeScript tests: bench (quick run, structure only)", ["run", "test:only", "-w", "@pawwork/bench"], { runner: "node --test" })
    : skip("TypeScript tests: bench", "the benchmark reads /proc (Linux only)"),
  ...(linux
    ? [npmCmd("TypeScript tests: matrix", ["run", "test:only", "-w", "packages/matrix"], { runner: "node --test" })]
    : [
        // The leak check's own cross-platform tests run (proc-lookup); the e2e run
        // holds Linux's expectations and drives /usr/bin/chromium.
        cmd("TypeScript tests: matrix (all but Linux-only)", process.execPath, () => ["--test", "--test-concurrency=1", ...matrixFilesOffLinux()], {
          runner: "node --test",
        }),
        skip("TypeScript tests: matrix e2e (Node, and Node + Bun), leaks", "short matrix runs held to Linux's expectations with /usr/bin/chromium; /proc-based leak tests"),
      ]),
];

/** Every directory from / down to `dir` is searchable by others, so the user as-user.sh creates can read the checkout. */
function othersCanReach(dir) {
  const parts = dir.split(sep).filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const at = sep + parts.slice(0, i).join(sep);
    try {
      if ((statSync(at).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
  }
  return true;
}

function hasClippy() {
  return spawnSync("cargo", ["clippy", "--version"], { cwd: root, stdio: "ignore" }).status === 0;
}

function isRoot() {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

function harnessFilesOffLinux() {
  const dist = join(root, "packages", "harness", "dist", "test");
  return readdirSync(dist)
    .filter((f) => f.endsWith(".test.js") && f !== "procfs.test.js")
    .map((f) => relative(root, join(dist, f)));
}

function matrixFilesOffLinux() {
  const linuxOnly = ["matrix.e2e.test.js", "matrix-runtime.e2e.test.js", "leaks.test.js"];
  const dist = join(root, "packages", "matrix", "dist", "test");
  return readdirSync(dist, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".test.js") && !linuxOnly.includes(f.split(/[\\/]/).pop()))
    .map((f) => relative(root, join(dist, f)));
}
