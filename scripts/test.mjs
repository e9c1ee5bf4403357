#!/usr/bin/env node
// `npm test` (FAST) and `npm run test:full` (`--full`: FULL, the rest), each working on a fresh clone. The
// steps live in scripts/test-steps.mjs, shared with the soak (scripts/soak.mjs), and run by lane
// (scripts/test-run.mjs): builds first, then the checks. Each runner prints its own summary; this script
// runs every check (a Rust failure must not hide a TypeScript one) and fails if any did. On macOS and
// Windows the Linux-only steps are skipped by name, with the reason, and listed in the final line: a
// skipped step is never a pass.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fast, full, npm, root } from "./test-steps.mjs";
import { runLanes } from "./test-run.mjs";

const fullRun = process.argv.includes("--full");
const command = fullRun ? "npm run test:full" : "npm test";
const set = fullRun ? full : fast;
const started = performance.now();
const failed = [];
const skipped = [];

function finish() {
  const skips = skipped.length ? ` (${skipped.length} skipped on ${process.platform}: ${skipped.join(", ")})` : "";
  const took = `${((performance.now() - started) / 60000).toFixed(1)} min`;
  console.log(`\n=== ${command}: ${failed.length === 0 ? "all steps passed" : `FAILED: ${failed.join(", ")}`} in ${took}${skips}`);
  process.exit(failed.length === 0 ? 0 : 1);
}

async function run(steps) {
  for (const s of steps.filter((x) => x.skip)) {
    console.log(`=== ${s.name}: SKIPPED on ${process.platform}: ${s.skip}`);
    skipped.push(s.name);
  }
  const results = await runLanes(steps);
  for (const r of results) if (r.status !== 0) failed.push(r.step.name);
  if (results.some((r) => r.status !== 0 && r.step.fatal)) finish();
}

if (!existsSync(join(root, "node_modules"))) {
  await run([{ name: "install npm dependencies", cmd: npm[0], args: [...npm.slice(1), "install", "--no-audit", "--no-fund"], env: {}, fatal: true }]);
}
await run(set.builds);
await run(set.checks);
finish();
