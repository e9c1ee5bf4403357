#!/usr/bin/env node
// Runs compiled node:test files under Bun, one `bun test` process per file.
// One process per file mirrors `node --test`, which isolates files the same
// way: the suites keep module state (a sidecar per backend, process.env), and
// `bun test` with several files would share one process between them.
//
// usage: node scripts/bun-test.mjs PATH... (a file, or a folder: every *.test.js below it)
// Bun is the pinned devDependency (node_modules/.bin/bun), never a download.
// Prints each file's own output and a closing "N passed, N failed, N skipped"
// line; exits non-zero if any file failed or a file ran no test at all.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bun = join(root, "node_modules", ".bin", process.platform === "win32" ? "bun.exe" : "bun");
const paths = process.argv.slice(2);
if (paths.length === 0) {
  console.error("usage: node scripts/bun-test.mjs PATH...");
  process.exit(2);
}
/** Every *.test.js under `path` (itself when it is a file), sorted, as node-test.mjs takes them: test/ mirrors src/. */
function testFiles(path) {
  if (!existsSync(path)) {
    console.error(`bun-test: ${path} does not exist (built yet?)`);
    process.exit(1);
  }
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true })
    .map(String)
    .filter((f) => /\.test\.[cm]?js$/.test(f))
    .sort()
    .map((f) => join(path, f));
}
const files = paths.flatMap(testFiles);
if (files.length === 0) {
  console.error(`bun-test: no *.test.js file under ${paths.join(", ")}`);
  process.exit(1);
}
if (!existsSync(bun)) {
  console.error(`bun-test: ${bun} is missing; run npm install (bun is a devDependency)`);
  process.exit(1);
}

const version = spawnSync(bun, ["--version"], { encoding: "utf8" }).stdout.trim();
console.log(`bun-test: Bun ${version}, ${files.length} file(s), one process each`);
const totals = { pass: 0, fail: 0, skip: 0 };
const failedFiles = [];
for (const file of files) {
  // `./` makes bun treat the argument as a path, not a name filter.
  const path = file.startsWith("/") || file.startsWith(".") ? file : `./${file}`;
  const r = spawnSync(bun, ["test", "--timeout", "60000", path], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  // bun test writes its report to stderr.
  process.stdout.write(r.stdout ?? "");
  process.stdout.write(r.stderr ?? "");
  const text = `${r.stdout ?? ""}\n${r.stderr ?? ""}`;
  const count = (word) => Number(text.match(new RegExp(`^\\s*(\\d+) ${word}$`, "m"))?.[1] ?? 0);
  const got = { pass: count("pass"), fail: count("fail"), skip: count("skip") };
  for (const k of Object.keys(totals)) totals[k] += got[k];
  if (r.status !== 0 || got.fail > 0 || got.pass + got.skip === 0) {
    failedFiles.push(file);
    // A file that crashed before reporting counts as one failure, so the total cannot read as clean.
    if (got.fail === 0) totals.fail += 1;
  }
}
console.log(`\nbun-test: ${failedFiles.length ? `FAILED in ${failedFiles.join(", ")}` : "every file passed"}`);
console.log(`${totals.pass} passed, ${totals.fail} failed, ${totals.skip} skipped`);
process.exit(failedFiles.length ? 1 : 0);
