#!/usr/bin/env node
// Runs compiled node:test files under a chosen Node: the one running this script, or a pinned one
// (scripts/node-runtimes.mjs, installed by the set-up, never downloaded here). Directories are searched for
// *.test.js files, so one command line works under every Node: Node 20 searches a directory given to
// `--test`, Node 22 and later take each argument as a file or a glob, and a shell glob does not reach
// nested folders.
//
// usage: node scripts/node-test.mjs [--runtime node|node22|node24] [--concurrency N] PATH...
// Prints which Node runs how many files, then node --test's own report; exits with its status.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { installedPath, installHint } from "./node-runtimes.mjs";

function fail(message, code = 1) {
  console.error(`node-test: ${message}`);
  process.exit(code);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: { runtime: { type: "string", default: "node" }, concurrency: { type: "string", default: "1" } },
  });
} catch (err) {
  fail(`${err.message}\nusage: node scripts/node-test.mjs [--runtime node|node22|node24] [--concurrency N] PATH...`, 2);
}
const { values, positionals } = parsed;
if (positionals.length === 0) fail("usage: node scripts/node-test.mjs [--runtime node|node22|node24] [--concurrency N] PATH...", 2);
if (!/^[1-9]\d*$/.test(values.concurrency)) fail(`--concurrency needs a positive integer, got ${values.concurrency}`, 2);

/** Every *.test.js under `path` (itself when it is a file), sorted, so each run takes them in one order. */
function testFiles(path) {
  let st;
  try {
    st = statSync(path);
  } catch {
    fail(`${path} does not exist (built yet?)`);
  }
  if (!st.isDirectory()) return [path];
  return readdirSync(path, { recursive: true })
    .map(String)
    .filter((f) => /\.test\.[cm]?js$/.test(f))
    .sort()
    .map((f) => join(path, f));
}

let bin = process.execPath;
if (values.runtime !== "node") {
  try {
    bin = installedPath(values.runtime);
  } catch (err) {
    fail(err.message, 2);
  }
  if (!bin) fail(`${values.runtime} is not installed: ${installHint(values.runtime)}`);
}
const files = positionals.flatMap(testFiles);
if (files.length === 0) fail(`no *.test.js file under ${positionals.join(", ")}`);
const version = spawnSync(bin, ["--version"], { encoding: "utf8" }).stdout.trim();
console.log(`node-test: Node ${version.replace(/^v/, "")} (${values.runtime}), ${files.length} file(s)`);
const r = spawnSync(bin, ["--test", `--test-concurrency=${values.concurrency}`, ...files.map((f) => relative(process.cwd(), f) || f)], { stdio: "inherit" });
if (r.error) fail(r.error.message);
process.exit(r.status ?? 1);
