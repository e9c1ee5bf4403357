#!/usr/bin/env node
// Merges the scenario matrix's results.json of several platforms into one
// cross-OS report (REPORT.md + results.json with a platform column), as the
// CI workflow's last job does with the Linux, macOS and Windows artifacts.
//
// Usage: node scripts/merge-reports.mjs [--out DIR] [--expect linux,darwin,win32] PATH...
//   PATH   a results.json, a report directory, or a directory of downloaded
//          artifacts (one report directory each)
//   --out  where the merged report goes (default report-merged/)
//   --expect  platforms that must be there; a missing one is listed in the
//          report and makes the exit status 1 (the report is written anyway)
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

let values, positionals;
try {
  ({ values, positionals } = parseArgs({
    options: { out: { type: "string" }, expect: { type: "string" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
  }));
} catch (err) {
  console.error(`merge-reports: ${err.message}`);
  process.exit(2);
}
if (values.help || positionals.length === 0) {
  console.error("usage: node scripts/merge-reports.mjs [--out DIR] [--expect linux,darwin,win32] PATH...");
  process.exit(values.help ? 0 : 2);
}

const lib = join(root, "packages", "matrix", "dist", "src", "merge.js");
if (!existsSync(lib)) {
  console.error(`merge-reports: ${lib} is missing; build it first: npm run build -w packages/matrix`);
  process.exit(2);
}
const { readAndMerge, writeMerged } = await import(pathToFileURL(lib).href);

const expected = (values.expect ?? "").split(",").map((s) => s.trim()).filter(Boolean);
const out = resolve(values.out ?? join(root, "report-merged"));
let merged;
try {
  merged = readAndMerge(positionals.map((p) => resolve(p)), expected);
} catch (err) {
  console.error(`merge-reports: ${err.message}`);
  process.exit(1);
}
const written = writeMerged(out, merged);
console.log(`merge-reports: ${merged.sources.map((s) => `${s.platform} (${s.file})`).join(", ") || "no results"}`);
console.log(`merge-reports: wrote ${written.md} and ${written.json}`);
for (const m of merged.missing) console.error(`merge-reports: missing ${m.platform}: ${m.reason}`);
process.exit(merged.missing.length > 0 || merged.sources.length === 0 ? 1 : 0);
