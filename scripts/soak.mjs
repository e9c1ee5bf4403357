#!/usr/bin/env node
// `npm run test:soak -- --times N [--load] [--full] [--out FILE] [--only TEXT]`:
// builds once, then runs `npm test`'s checks (scripts/test-steps.mjs, the
// same list scripts/test.mjs runs, by lane as it does; `--full`: those of
// `npm run test:full`) N times and counts failures per test, to find the
// tests that fail now and then. With --load, one busy-looping
// worker thread per core runs for the whole soak, as on a machine that is
// compiling something else. --only keeps the test steps whose name contains
// TEXT (repeatable), to soak one suite. --out writes the Markdown report.
// Each round's full output goes to report/soak/round-N.log.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync, createWriteStream } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { bunFailures, cargoFailures, nodeFailures } from "./test-output.mjs";
import { cargoTestBuild, fast, full, root } from "./test-steps.mjs";
import { runLanes } from "./test-run.mjs";

const { values } = parseArgs({
  options: {
    times: { type: "string", default: "5" },
    load: { type: "boolean", default: false },
    full: { type: "boolean", default: false },
    out: { type: "string" },
    only: { type: "string", multiple: true },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log("usage: npm run test:soak -- --times N [--load] [--full] [--out docs/results/soak-linux.md] [--only STEP-NAME-PART]...");
  process.exit(0);
}
const times = Number(values.times);
if (!Number.isInteger(times) || times < 1) {
  console.error(`--times must be a positive integer, got ${values.times}`);
  process.exit(2);
}
const set = values.full ? full : fast;
const chosen = set.checks.filter((s) => !s.skip && (!values.only || values.only.some((o) => s.name.includes(o))));
if (chosen.length === 0) {
  console.error(`--only ${values.only?.join(", ")} matches no test step: ${set.checks.map((s) => s.name).join("; ")}`);
  process.exit(2);
}
const logs = join(root, "report", "soak");
mkdirSync(logs, { recursive: true });

// Builds once, output shown, fatal on failure (nothing to soak otherwise).
const built = await runLanes(set === fast ? [...set.builds, cargoTestBuild] : set.builds);
if (built.some((r) => r.status !== 0)) {
  console.error(`=== soak: build step(s) ${built.filter((r) => r.status !== 0).map((r) => `"${r.step.name}"`).join(", ")} failed; nothing soaked`);
  process.exit(1);
}

// The load: a busy loop per core, in worker threads of this process, so they
// end with it whatever happens; terminated by reference at the end.
const cores = os.availableParallelism();
const hogs = values.load ? Array.from({ length: cores }, () => new Worker("for (;;) {}", { eval: true })) : [];

// Load averages (1 min) sampled during the whole run, to say how busy it was.
const loadSamples = [];
const sampleLoad = () => loadSamples.push(os.loadavg()[0]);
const sampler = setInterval(sampleLoad, 5_000);

const rounds = [];
const counts = new Map(); // "step: test" -> failures
const started = new Date();
sampleLoad();
for (let round = 1; round <= times; round++) {
  const log = createWriteStream(join(logs, `round-${round}.log`));
  const steps = [];
  console.log(`\n=== soak round ${round}/${times}${values.load ? ` (under load: ${cores} busy threads)` : ""}`);
  const roundStarted = performance.now();
  // The lanes run as in npm test; the results are reported in the steps' own order.
  const results = await runLanes(chosen, log);
  for (const s of chosen) {
    const r = results.find((x) => x.step === s);
    if (!r) continue;
    const parsers = { cargo: cargoFailures, "node --test": nodeFailures, "bun test": bunFailures };
    const parse = parsers[s.runner] ?? (() => []);
    let tests = parse(r.output);
    // A failed step with no failing test named still counts, as the step.
    if (r.status !== 0 && tests.length === 0) tests = [`(step failed with status ${r.status}, no failing test named)`];
    for (const t of tests) counts.set(`${s.name}: ${t}`, (counts.get(`${s.name}: ${t}`) ?? 0) + 1);
    steps.push({ name: s.name, ms: r.ms, status: r.status, failed: tests });
    console.log(`    ${r.status === 0 ? "ok    " : "FAILED"} ${s.name} (${(r.ms / 1000).toFixed(0)} s)${tests.map((t) => `\n           ${t}`).join("")}`);
  }
  const wall = performance.now() - roundStarted;
  await new Promise((r) => log.end(r));
  rounds.push({ round, steps, ms: wall });
}
clearInterval(sampler);
sampleLoad();
for (const h of hogs) await h.terminate();

const failedRounds = rounds.filter((r) => r.steps.some((s) => s.status !== 0)).length;
const total = [...counts.values()].reduce((a, b) => a + b, 0);
const load = {
  min: Math.min(...loadSamples),
  mean: loadSamples.reduce((a, b) => a + b, 0) / loadSamples.length,
  max: Math.max(...loadSamples),
};
const fmt = (n) => n.toFixed(2);
const md = [
  `# Soak of ${values.full ? "npm run test:full" : "npm test"}'s checks`,
  "",
  `- date: ${started.toISOString()} (${((Date.now() - started.getTime()) / 60000).toFixed(1)} min)`,
  `- commit: ${commit()}`,
  `- machine: ${os.platform()} ${os.release()}, ${cores} cores (nproc), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; ` +
    `1-min load average sampled every 5 s: min ${fmt(load.min)}, mean ${fmt(load.mean)}, max ${fmt(load.max)} (${loadSamples.length} samples)`,
  `- rounds (N): ${times}`,
  `- extra load: ${values.load ? `on (${cores} busy-looping threads, one per core, for the whole run)` : "off"}`,
  `- steps: ${chosen.map((s) => s.name).join("; ")}`,
  "",
  "## Rounds",
  "",
  `| round | ${chosen.map((s) => s.name).join(" | ")} | wall time (lanes side by side) |`,
  `|---|${chosen.map(() => "---|").join("")}---|`,
  ...rounds.map(
    (r) => `| ${r.round} | ${r.steps.map((s) => `${(s.ms / 1000).toFixed(0)} s${s.status === 0 ? "" : ` (${s.failed.length} failed)`}`).join(" | ")} | ${(r.ms / 1000).toFixed(0)} s |`,
  ),
  "",
  "## Failures per test",
  "",
  ...(counts.size === 0
    ? ["None: every test passed in every round."]
    : ["| test | failed rounds |", "|---|---|", ...[...counts].sort((a, b) => b[1] - a[1]).map(([t, n]) => `| ${t.replaceAll("|", "\\|")} | ${n} of ${times} |`)]),
  "",
];
if (values.out) {
  const out = resolve(process.cwd(), values.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, md.join("\n"));
  console.log(`\n=== soak: report written to ${out}`);
}
console.log(`\n${md.slice(md.indexOf("## Failures per test")).join("\n")}`);
console.log(
  `=== soak: ${times} round(s), load ${values.load ? "on" : "off"}: ${failedRounds} round(s) with a failure, ` +
    `${total} test failure(s) in ${counts.size} distinct test(s); logs in ${logs}`,
);
process.exit(failedRounds === 0 ? 0 : 1);

/** The commit the soaked tests came from, and whether the tree differed from it. */
function commit() {
  const head = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).stdout?.trim() || "unknown";
  const dirty = spawnSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: root, encoding: "utf8" }).stdout?.trim();
  return dirty ? `${head} with uncommitted changes` : head;
}
