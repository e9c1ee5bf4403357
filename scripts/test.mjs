#!/usr/bin/env node
// `npm test`: everything the project checks, in one command that works on a
// fresh clone. Each runner prints its own summary; this script runs them
// all (a Rust failure must not hide a TypeScript one) and fails if any did.
// On macOS and Windows the Linux-only steps are skipped by name, with the
// reason, and listed in the final line: a skipped step is never a pass.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const linux = process.platform === "linux";
const failed = [];
const skipped = [];

// npm is a .cmd script on Windows, which spawnSync cannot start without a
// shell; under `npm test` npm names its own entry point, run by this Node.
const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ["npm"];

function step(name, cmd, args, { fatal = false, env = {} } = {}) {
  console.log(`\n=== ${name}: ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  if (r.error) console.log(`=== ${name}: ${r.error.message}`);
  if (r.status !== 0) {
    failed.push(name);
    if (fatal) finish();
  }
}

const npmStep = (name, args, opts) => step(name, npm[0], [...npm.slice(1), ...args], opts);

/** A step this platform cannot run: said, counted, never passed. */
function skip(name, reason) {
  console.log(`\n=== ${name}: SKIPPED on ${process.platform}: ${reason}`);
  skipped.push(name);
}

function finish() {
  const skips = skipped.length ? ` (${skipped.length} skipped on ${process.platform}: ${skipped.join(", ")})` : "";
  console.log(`\n=== npm test: ${failed.length === 0 ? "all steps passed" : `FAILED: ${failed.join(", ")}`}${skips}`);
  process.exit(failed.length === 0 ? 0 : 1);
}

if (!existsSync(join(root, "node_modules"))) {
  npmStep("install npm dependencies", ["install", "--no-audit", "--no-fund"], { fatal: true });
}
// Debug builds for the Rust and TypeScript tests, release builds for the
// matrix's short run (it measures what users would ship).
step("build Rust (debug)", "cargo", ["build", "--workspace", "--locked"], { fatal: true });
step("build Rust (release)", "cargo", ["build", "--release", "--workspace", "--locked"], { fatal: true });
npmStep("build TypeScript", ["run", "build"], { fatal: true });
step("lint workflows (actionlint)", process.execPath, [join("scripts", "lint-workflows.mjs")]);
// Everywhere; the suites that read /proc compile to nothing off Linux, and on
// Windows this includes the Windows backend's lifecycle tests, natively.
step("cargo test", "cargo", ["test", "--workspace", "--locked"]);
// The same black-box suite once more against the fallback used where no
// writable cgroup v2 exists (process groups + environment marker).
if (linux) {
  step("cargo test (supervisor without cgroups)", "cargo", ["test", "-p", "pawwork-supervisor", "--locked", "--test", "integration"], {
    env: { PAWWORK_SUPERVISOR_NO_CGROUP: "1" },
  });
} else skip("cargo test (supervisor without cgroups)", "the cgroup fallback is Linux's; the integration suite reads /proc");
// PawWork runs this code under Node (desktop app) and Bun (server, CLI): the same suites, both runtimes.
if (linux) {
  npmStep("TypeScript tests: @pawwork/process (Node)", ["test", "-w", "@pawwork/process"]);
  npmStep("TypeScript tests: @pawwork/process (Bun)", ["run", "test:bun", "-w", "@pawwork/process"]);
} else {
  npmStep("TypeScript tests: @pawwork/process (protocol units, Node)", ["run", "test:unit", "-w", "@pawwork/process"]);
  npmStep("TypeScript tests: @pawwork/process (protocol units, Bun)", ["run", "test:bun:unit", "-w", "@pawwork/process"]);
  skip("TypeScript tests: @pawwork/process (process behaviour)", "their leak checks read /proc (Linux only)");
}
if (linux) npmStep("TypeScript tests: bench (quick run, structure only)", ["test", "-w", "@pawwork/bench"]);
else skip("TypeScript tests: bench", "the benchmark reads /proc (Linux only)");
if (linux) npmStep("TypeScript tests: matrix", ["test", "-w", "packages/matrix"]);
else {
  // The leak check's own cross-platform tests run (proc-lookup); the e2e run
  // holds Linux's expectations and drives /usr/bin/chromium.
  const linuxOnly = ["matrix.e2e.test.js", "matrix-runtime.e2e.test.js", "leaks.test.js", "procfs.test.js"];
  npmStep("build matrix tests", ["run", "build", "-w", "packages/matrix"], { fatal: true });
  const dist = join(root, "packages", "matrix", "dist", "test");
  const files = readdirSync(dist, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".test.js") && !linuxOnly.includes(f.split(/[\\/]/).pop()))
    .map((f) => relative(root, join(dist, f)));
  step("TypeScript tests: matrix (all but Linux-only)", process.execPath, ["--test", "--test-concurrency=1", ...files]);
  skip("TypeScript tests: matrix e2e (Node, and Node + Bun), leaks, procfs", "short matrix runs held to Linux's expectations with /usr/bin/chromium; /proc parsing");
}
finish();
