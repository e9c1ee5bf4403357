#!/usr/bin/env node
// `npm test`: everything the project checks, in one command that works on a
// fresh clone. Each runner prints its own summary; this script runs them
// all (a Rust failure must not hide a TypeScript one) and fails if any did.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const failed = [];

function step(name, cmd, args, { fatal = false, env = {} } = {}) {
  console.log(`\n=== ${name}: ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  if (r.status !== 0) {
    failed.push(name);
    if (fatal) finish();
  }
}

function finish() {
  console.log(`\n=== npm test: ${failed.length === 0 ? "all steps passed" : `FAILED: ${failed.join(", ")}`}`);
  process.exit(failed.length === 0 ? 0 : 1);
}

if (!existsSync(join(root, "node_modules"))) {
  step("install npm dependencies", "npm", ["install", "--no-audit", "--no-fund"], { fatal: true });
}
// Debug builds for the Rust and TypeScript tests, release builds for the
// matrix's short run (it measures what users would ship).
step("build Rust (debug)", "cargo", ["build", "--workspace", "--locked"], { fatal: true });
step("build Rust (release)", "cargo", ["build", "--release", "--workspace", "--locked"], { fatal: true });
step("build TypeScript", "npm", ["run", "build"], { fatal: true });
step("cargo test", "cargo", ["test", "--workspace", "--locked"]);
// The same black-box suite once more against the fallback used where no
// writable cgroup v2 exists (process groups + environment marker).
step("cargo test (supervisor without cgroups)", "cargo", ["test", "-p", "pawwork-supervisor", "--locked", "--test", "integration"], {
  env: { PAWWORK_SUPERVISOR_NO_CGROUP: "1" },
});
step("TypeScript tests: @pawwork/process", "npm", ["test", "-w", "@pawwork/process"]);
step("TypeScript tests: bench (quick run, structure only)", "npm", ["test", "-w", "@pawwork/bench"]);
step("TypeScript tests: matrix", "npm", ["test", "-w", "packages/matrix"]);
finish();
