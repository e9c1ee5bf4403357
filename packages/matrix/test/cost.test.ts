import assert from "node:assert/strict"
import { test } from "node:test"
import { countCodeLines } from "../src/cost.js"

test("Rust: comments, doc comments and blank lines are not code; strings with // are", () => {
  const src = [
    "//! crate docs",
    "/// item docs",
    "fn main() {",
    "",
    '    let url = "a//b"; // trailing comment',
    "    /* block",
    "       still block */",
    "    let c = '\"'; let l: &'static str = \"x\";",
    "}",
  ].join("\n")
  assert.equal(countCodeLines(src, "rust"), 4)
})

test("Rust block comments nest", () => {
  assert.equal(countCodeLines("/* a /* b */ still */\nlet x = 1;", "rust"), 1)
})

test("TypeScript: single-quoted strings, block comments and code after a block comment", () => {
  const src = ["// c", "const a = '//not a comment'", "/** doc", " * more */ const b = 2", "", "  "].join("\n")
  assert.equal(countCodeLines(src, "ts"), 2)
})

test("imported packages: bare specifiers only, scoped names kept whole", async () => {
  const { mkdtempSync, writeFileSync } = await import("node:fs")
  const { join } = await import("node:path")
  const { tmpdir } = await import("node:os")
  const { importedPackages } = await import("../src/cost.js")
  const dir = mkdtempSync(join(tmpdir(), "matrix-cost-"))
  const f = join(dir, "a.ts")
  writeFileSync(f, 'import x from "node:fs"\nimport { y } from "./y.js"\nimport z from "@scope/pkg/sub"\nconst w = await import("lodash/fp")\n')
  assert.deepEqual(importedPackages([f]), ["@scope/pkg", "lodash"])
})
