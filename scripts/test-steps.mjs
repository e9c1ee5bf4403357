// The steps of `npm test` (FAST) and `npm run test:full` (FULL), shared by scripts/test.mjs (runs one set
// once) and scripts/soak.mjs (builds once, then runs a set's checks N times), so the soak checks exactly
// what the two commands check. `.ci/run` runs both sets, FAST first.
//
// FAST is what every change pays: one build profile (debug), the checks whose suites are independent run
// side by side in lanes. FULL is the rest, after it: the release build, the long end-to-end runs and the
// repeated runs in other modes and under other runtimes, one at a time. A new step goes into the `checks`
// of the set it belongs to; a step that must not share the machine gets a lane of its own in FULL.
//
// A step is { name, cmd, args, env, fatal, runner, lane } where runner says whose output it is ("cargo",
// "node --test", "bun test", or null for anything else) and lane groups steps that run one after the other
// (different lanes run at the same time), or { name, skip: reason } for a step this platform cannot run.
// `args` may be a function, called when the step runs (after the builds).
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { hostRuntimes } from "./node-runtimes.mjs";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const linux = process.platform === "linux";

// npm is a .cmd script on Windows, which spawnSync cannot start without a shell; under `npm test` npm names its
// own entry point, run by this Node.
export const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ["npm"];

const cmd = (name, command, args, opts = {}) => ({ name, cmd: command, args, env: {}, fatal: false, runner: null, lane: "main", ...opts });
const npmCmd = (name, args, opts) => cmd(name, npm[0], () => [...npm.slice(1), ...(typeof args === "function" ? args() : args)], opts);
const node = (name, script, args, opts) => cmd(name, process.execPath, () => [join("scripts", script), ...(typeof args === "function" ? args() : args)], opts);
const skip = (name, reason) => ({ name, skip: reason });

// `--no-fail-fast`: cargo stops at the first failing test binary otherwise, and a failure in one binary would
// hide every failure in the next.
const cargoTest = ["test", "--no-fail-fast"];

/** The pinned Nodes this host runs (none off Linux x64: the process suites then run under the running Node). */
const pinned = hostRuntimes();
/** The Node FAST runs the process suites under: the desktop app's (Electron bundles Node 24); FULL runs the others. */
const fastNode = pinned.includes("node24") ? "node24" : null;
const otherNodes = pinned.filter((id) => id !== fastNode);

/**
 * FAST's TypeScript checks run against the debug build (the only one it makes): the binaries' variables point
 * there unless the caller set them. The matrix and the bench otherwise look for release builds only.
 */
const debugBinaries = () => {
  const exe = process.platform === "win32" ? ".exe" : "";
  return {
    PAWWORK_FIXTURE_PATH: process.env.PAWWORK_FIXTURE_PATH || join(root, "target", "debug", `pawwork-fixture${exe}`),
    PAWWORK_SUPERVISOR_PATH: process.env.PAWWORK_SUPERVISOR_PATH || join(root, "target", "debug", `pawwork-supervisor${exe}`),
  };
};

export const fast = {
  /**
   * What must exist before any check runs: fatal when it fails. The debug build, beside the TypeScript builds
   * and the pinned Nodes. The Rust test binaries are built by `cargo test` itself, in its lane, while the
   * TypeScript suites already run.
   */
  builds: [
    cmd("build Rust (debug)", "cargo", ["build", "--workspace", "--locked"], { fatal: true, lane: "rust" }),
    npmCmd("build TypeScript", ["run", "build"], { fatal: true, lane: "ts" }),
    npmCmd("build TypeScript tests", ["run", "build:test", "-w", "@pawwork/process"], { fatal: true, lane: "ts" }),
    pinned.length
      ? node("install the pinned Node runtimes", "node-runtimes.mjs", ["install", ...pinned], { fatal: true, lane: "ts" })
      : skip("install the pinned Node runtimes", `none is pinned for ${process.platform}-${process.arch}`),
  ],
  checks: [
    // Everywhere; the suites that read /proc compile to nothing off Linux, and on Windows this includes the
    // Windows backend's lifecycle tests, natively. On Linux the integration suite runs with cgroups here; its
    // other modes are FULL's.
    cmd("cargo test", "cargo", [...cargoTest, "--workspace", "--locked"], { runner: "cargo", lane: "rust" }),
    // Every target of every crate, tests included, warnings as errors. A lane of its own: cargo lets one of
    // clippy and cargo test compile at a time (its build lock), and each then runs beside the other's rest.
    // A toolchain without clippy (Debian's cargo, a minimal rustup profile) gets a named skip, never a pass.
    hasClippy()
      ? cmd("cargo clippy", "cargo", ["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"], { lane: "clippy" })
      : skip("cargo clippy", "this toolchain has no clippy (rustup component add clippy)"),
    // The Windows backend's lifecycle scenarios are not part of a plain `cargo test` (off Windows they would
    // run nothing yet count as a passed target): named here on Windows, under Wine by windows-cross.sh.
    process.platform === "win32"
      ? cmd("cargo test (Windows lifecycle)", "cargo", [...cargoTest, "-p", "pawwork-supervisor", "--locked", "--test", "windows_lifecycle"], { lane: "rust" })
      : skip("cargo test (Windows lifecycle)", "Windows binaries only: .ci/run runs them under Wine (scripts/windows-cross.sh)"),
    // PawWork runs this code under Node (desktop app) and Bun (server, CLI): the same suites on both, each in a
    // lane of its own (they mostly wait on their children, so they share the cores well).
    ...(linux
      ? [
          fastNode
            ? npmCmd(`TypeScript tests: @pawwork/process (Node ${fastNode.slice(4)})`, ["run", `test:${fastNode}:only`, "-w", "@pawwork/process"], {
                runner: "node --test",
                lane: "node",
                env: debugBinaries(),
              })
            : npmCmd("TypeScript tests: @pawwork/process (Node)", ["run", "test:only", "-w", "@pawwork/process"], { runner: "node --test", lane: "node", env: debugBinaries() }),
          npmCmd("TypeScript tests: @pawwork/process (Bun)", ["run", "test:bun:only", "-w", "@pawwork/process"], { runner: "bun test", lane: "bun", env: debugBinaries() }),
        ]
      : [
          npmCmd("TypeScript tests: @pawwork/process (protocol units, Node)", ["run", "test:unit", "-w", "@pawwork/process"], { runner: "node --test", lane: "node" }),
          npmCmd("TypeScript tests: @pawwork/process (protocol units, Bun)", ["run", "test:bun:unit", "-w", "@pawwork/process"], { runner: "bun test", lane: "bun" }),
          skip("TypeScript tests: @pawwork/process (process behaviour)", "their leak checks read /proc (Linux only)"),
        ]),
    // The comparison peers (execa, tree-kill, Effect's Node spawner), in their own package since they left the
    // product: the same contract as the engines, and each one's measured failures pinned, on both runtimes.
    ...(linux
      ? [
          npmCmd(`TypeScript tests: @pawwork/peers (Node${fastNode ? ` ${fastNode.slice(4)}` : ""})`, ["run", fastNode ? `test:${fastNode}:only` : "test:only", "-w", "@pawwork/peers"], {
            runner: "node --test",
            lane: "node",
            env: debugBinaries(),
          }),
          npmCmd("TypeScript tests: @pawwork/peers (Bun)", ["run", "test:bun:only", "-w", "@pawwork/peers"], { runner: "bun test", lane: "bun", env: debugBinaries() }),
        ]
      : [skip("TypeScript tests: @pawwork/peers", "their leak checks read /proc (Linux only)")]),
    // What a user installs, for this machine's platform: the tarballs `npm run pack` writes (the platform package
    // holding this checkout's debug sidecar, so no cross toolchain is needed here), installed into a project
    // outside the repository and run under Node and Bun. FULL cross-builds and packs every platform as it ships,
    // installs that set and runs the arm64 binary under qemu-user.
    ...(linux && process.arch === "x64"
      ? [
          node("pack the product and this platform's package, with the debug sidecar (scripts/pack.mjs)", "pack.mjs", ["--platforms", "linux-x64", "--host-build", "debug", "--no-build"], { lane: "pack" }),
          cmd("packed install outside the repository: Node and Bun, ESM and CommonJS, app.asar", process.execPath, ["--test", "--test-concurrency=1", join("packaging", "test", "packed-install.test.mjs")], {
            runner: "node --test",
            lane: "pack",
          }),
        ]
      : [skip("pack, packed install", "the platform packages are built on Linux x64; the release workflow runs the packed install on this OS")]),
    node("lint workflows (actionlint)", "lint-workflows.mjs", [], { lane: "ts" }),
    // What the process tests, the matrix and the bench share to see processes: /proc on Linux, the fixture
    // program's proc-start elsewhere (its lookups are compared with /proc on Linux).
    node("TypeScript tests: harness", "node-test.mjs", () => (linux ? [join("packages", "harness", "dist", "test")] : harnessFilesOffLinux()), {
      runner: "node --test",
      lane: "ts",
      env: debugBinaries(),
    }),
    linux
      ? node("TypeScript tests: bench (quick run, structure only)", "node-test.mjs", [join("packages", "bench", "dist", "test")], {
          runner: "node --test",
          lane: "ts",
          env: debugBinaries(),
        })
      : skip("TypeScript tests: bench", "the benchmark reads /proc (Linux only)"),
    // The end-to-end runs are FULL's; the leak check's own tests need /proc.
    node("TypeScript tests: matrix (all but the end-to-end runs)", "node-test.mjs", () => matrixFiles({ e2e: false, linuxOnly: linux }), {
      runner: "node --test",
      lane: "ts",
      env: debugBinaries(),
    }),
  ],
};

/**
 * The Rust test binaries, built without running them: the soak builds them once before its first round, so
 * its rounds time the tests alone; `cargo test` builds them anyway.
 */
export const cargoTestBuild = cmd("build Rust tests (debug)", "cargo", ["test", "--workspace", "--locked", "--no-run"], { fatal: true, lane: "rust" });

export const full = {
  /** FAST's builds (nothing to do when they are current), then the release build the matrix measures. */
  builds: [
    ...fast.builds,
    cargoTestBuild,
    cmd("build Rust (release)", "cargo", ["build", "--release", "--workspace", "--locked"], { fatal: true, lane: "rust" }),
  ],
  /** One at a time: these measure whole runs (the matrix, the integration suite's timing bounds) end to end. */
  checks: [
    // The same black-box suite once more against the fallback used where no writable cgroup v2 exists (process
    // groups + environment marker); the hello test asserts the sidecar really chose it.
    linux
      ? cmd("cargo test (supervisor without cgroups)", "cargo", [...cargoTest, "-p", "pawwork-supervisor", "--locked", "--test", "integration"], {
          env: { PAWWORK_SUPERVISOR_NO_CGROUP: "1", PAWWORK_EXPECT_CONTAINMENT: "fallback" },
          runner: "cargo",
        })
      : skip("cargo test (supervisor without cgroups)", "the cgroup fallback is Linux's; the integration suite reads /proc"),
    // And against std's fork and exec, the path for kernels without a usable clone3 (a seccomp filter commonly
    // hides it): the default run spawns with clone3, into each tree's cgroup; this one joins the cgroup from the
    // child before exec (the exec_search tests assert the sidecar really took the fork path). It also copies
    // output instead of splicing it, the path of a stdout that is neither a pipe nor a socket (and of macOS);
    // the default run splices (drain.rs asserts which path each run took).
    linux
      ? cmd("cargo test (supervisor on the fork and copy paths)", "cargo", [...cargoTest, "-p", "pawwork-supervisor", "--locked", "--test", "integration"], {
          env: { PAWWORK_SUPERVISOR_NO_CLONE3: "1", PAWWORK_SUPERVISOR_NO_SPLICE: "1", PAWWORK_EXPECT_CONTAINMENT: "cgroup" },
          runner: "cargo",
        })
      : skip("cargo test (supervisor on the fork and copy paths)", "clone3 is Linux's; elsewhere the fork path is the only one"),
    // The process suites under every other pinned Node: with FAST's, every Node `engines` admits, and Bun.
    ...(linux
      ? otherNodes.map((id) =>
          npmCmd(`TypeScript tests: @pawwork/process (Node ${id.slice(4)})`, ["run", `test:${id}:only`, "-w", "@pawwork/process"], { runner: "node --test" }),
        )
      : [skip("TypeScript tests: @pawwork/process under the pinned Nodes", `no Node is pinned for ${process.platform}-${process.arch}`)]),
    // Every platform's sidecar cross-built here (static musl for Linux, zig-linked macOS, mingw Windows), every
    // tarball packed, the packed install run again from them, and the arm64 binary under qemu-user. Elsewhere
    // the release workflow runs the packed install on each OS from these tarballs.
    ...(linux && process.arch === "x64"
      ? [
          cmd("cross-build every platform's sidecar (scripts/cross-build.sh)", "bash", [join("scripts", "cross-build.sh")]),
          node("pack every publishable tarball into artifacts/npm (scripts/pack.mjs)", "pack.mjs", ["--no-build"]),
          cmd("packed install of the full set: Node and Bun, ESM and CommonJS, app.asar", process.execPath, ["--test", "--test-concurrency=1", join("packaging", "test", "packed-install.test.mjs")], {
            runner: "node --test",
          }),
          cmd("linux-arm64 sidecar under qemu-user (scripts/qemu-arm64.sh)", "bash", [join("scripts", "qemu-arm64.sh")], { runner: "node --test" }),
        ]
      : [skip("cross-build every platform, pack, arm64 under qemu-user", "cross-built and packed on Linux x64")]),
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
    // The matrix in short against the release binaries: every scenario and backend under the running Node with
    // the report checked in a real Chromium, then a few scenarios under every default runtime. The running Node
    // is FAST's (Node 24) where one is pinned: the execa peer (execa 10) does not load on an older Node than 22.
    linux
      ? node(`TypeScript tests: matrix end-to-end runs (Node${fastNode ? ` ${fastNode.slice(4)}` : ""}; every default runtime)`, "node-test.mjs", () => [...(fastNode ? ["--runtime", fastNode] : []), ...matrixFiles({ e2e: true, linuxOnly: true })], {
          runner: "node --test",
        })
      : skip("TypeScript tests: matrix end-to-end runs", "short matrix runs held to Linux's expectations with /usr/bin/chromium"),
  ],
};

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

/** The matrix's test files: its end-to-end runs or the rest; off Linux without the /proc-based leak tests. */
function matrixFiles({ e2e, linuxOnly }) {
  const dist = join(root, "packages", "matrix", "dist", "test");
  const isE2e = (f) => /\.e2e\.test\.js$/.test(f);
  return readdirSync(dist, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".test.js") && isE2e(f) === e2e && (linuxOnly || f.split(/[\\/]/).pop() !== "leaks.test.js"))
    .sort()
    .map((f) => relative(root, join(dist, f)));
}
