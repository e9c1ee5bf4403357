#!/usr/bin/env node
// The verdict on a short matrix run that must show the supervisor clean
// (scripts/wine-matrix.sh under Wine, scripts/as-user.sh as an ordinary
// user): the supervisor must pass every run of every cell it ran (first time: flaky is
// not passed), with no leaked pid and no lost byte (the negative control
// excepted: its planted leak must be flagged, which is its pass, and it must
// have run), and at least one supervisor cell must have run, so a run where
// everything was "not run" cannot read as a success. The other
// backends are measured, not judged: their failures are the report's content.
import { readFileSync } from "node:fs";

const args = process.argv.slice(2);
const underWine = args.includes("--under-wine");
// `--expect-containment cgroup|fallback`: every supervisor cell must have seen that mode (scripts/as-user.sh
// knows which one its user gets).
const expectAt = args.indexOf("--expect-containment");
const expectContainment = expectAt >= 0 ? args[expectAt + 1] : null;
const file = args.find((a, i) => !a.startsWith("--") && (expectAt < 0 || i !== expectAt + 1));
if (!file) {
  console.error("usage: check-supervisor-results.mjs [--under-wine] results.json");
  process.exit(2);
}
const results = JSON.parse(readFileSync(file, "utf8"));
if (underWine && !results.platform?.under_wine) {
  console.error(`matrix check: ${file} was not measured under Wine (platform: ${results.platform?.label})`);
  process.exit(1);
}
// The supervisor on both of PawWork's paths: the Process API and Effect's ChildProcessSpawner layer.
const CANDIDATES = ["supervisor", "supervisor-effect"];
const ran = results.cells.filter((c) => CANDIDATES.includes(c.backend) && c.runs > 0);
const runtimes = [...new Set(ran.map((c) => c.runtime ?? "node"))];
const bad = [];
for (const c of ran) {
  const problems = [];
  if (c.failed > 0) problems.push(`${c.failed} of ${c.runs} runs failed (${c.failures.map((f) => `${f.reason} x${f.count}`).join("; ")})`);
  // Flaky is not passed (docs/reference/flakes.md).
  if (c.flaky > 0) problems.push(`${c.flaky} of ${c.runs} runs passed only on a retry`);
  if (!c.control && c.leaked_pids > 0) problems.push(`${c.leaked_pids} leaked pids`);
  if (c.bytes_lost > 0) problems.push(`${c.bytes_lost} bytes lost`);
  if (problems.length) bad.push(`${c.scenario} [${c.backend}]${c.runtime ? ` (${c.runtime})` : ""}: ${problems.join(", ")}`);
}
const notRun = results.cells.filter((c) => CANDIDATES.includes(c.backend) && c.runs === 0).map((c) => `${c.scenario} [${c.backend}]`);
// Runs that did not exercise their scenario are no failure, but no pass either: say which, never "passed".
const unexercised = ran.filter((c) => (c.not_exercised ?? 0) > 0).map((c) => `${c.scenario} [${c.backend}] (${c.not_exercised} of ${c.runs} runs)`);
console.log(
  `matrix check: ${CANDIDATES.filter((b) => ran.some((c) => c.backend === b)).join(" and ") || "supervisor"} ran ${ran.length} cells x ${results.runs_per_cell} runs under ${results.platform.label} ` +
    `(runtimes: ${runtimes.join(", ") || "none"}); ` +
    `not run here: ${notRun.join(", ") || "none"}`,
);
if (ran.length === 0) {
  console.error("matrix check: no supervisor cell ran, so nothing was shown");
  process.exit(1);
}
// Without the negative control flagging its planted leak, "no leaked pid" would prove nothing.
if (!ran.some((c) => c.backend === "supervisor" && c.control && c.passed === c.runs)) {
  console.error("matrix check: the negative control did not run and pass in the supervisor column");
  process.exit(1);
}
const modes = [...new Set(ran.map((c) => c.containment ?? "not observed"))];
console.log(`matrix check: run as ${results.run_as ? `${results.run_as.user} (uid ${results.run_as.uid})` : "an unrecorded user"}; containment seen: ${modes.join(", ")}`);
if (expectContainment) {
  const other = ran.filter((c) => c.containment !== expectContainment);
  if (other.length) {
    console.error(`matrix check: expected containment ${expectContainment}, but ${other.map((c) => `${c.scenario} [${c.backend}]: ${c.containment ?? "not observed"}`).join("; ")}`);
    process.exit(1);
  }
}
if (bad.length) {
  for (const b of bad) console.error(`matrix check: supervisor failed ${b}`);
  process.exit(1);
}
if (unexercised.length) console.log(`matrix check: not exercised, so neither passed nor failed: ${unexercised.join(", ")}`);
console.log(`matrix check: the supervisor passed every run it ran${unexercised.length ? " and exercised" : ""}, no leaked pid, no lost byte`);
