#!/usr/bin/env node
// `npm test`: everything the project checks, in one command that works on a
// fresh clone. Each runner prints its own summary; this script runs them
// all (a Rust failure must not hide a TypeScript one) and fails if any did.
// On macOS and Windows the Linux-only steps are skipped by name, with the
// reason, and listed in the final line: a skipped step is never a pass.
// The steps live in scripts/test-steps.mjs, shared with the soak
// (scripts/soak.mjs), which runs the same test steps many times.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { buildSteps, npm, root, testSteps } from "./test-steps.mjs";

const failed = [];
const skipped = [];

function run(s) {
  if (s.skip) {
    console.log(`\n=== ${s.name}: SKIPPED on ${process.platform}: ${s.skip}`);
    skipped.push(s.name);
    return;
  }
  const args = typeof s.args === "function" ? s.args() : s.args;
  console.log(`\n=== ${s.name}: ${s.cmd} ${args.join(" ")}`);
  const r = spawnSync(s.cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...s.env } });
  if (r.error) console.log(`=== ${s.name}: ${r.error.message}`);
  if (r.status !== 0) {
    failed.push(s.name);
    if (s.fatal) finish();
  }
}

function finish() {
  const skips = skipped.length ? ` (${skipped.length} skipped on ${process.platform}: ${skipped.join(", ")})` : "";
  console.log(`\n=== npm test: ${failed.length === 0 ? "all steps passed" : `FAILED: ${failed.join(", ")}`}${skips}`);
  process.exit(failed.length === 0 ? 0 : 1);
}

if (!existsSync(join(root, "node_modules"))) {
  run({ name: "install npm dependencies", cmd: npm[0], args: [...npm.slice(1), "install", "--no-audit", "--no-fund"], env: {}, fatal: true });
}
for (const s of [...buildSteps, ...testSteps]) run(s);
finish();
