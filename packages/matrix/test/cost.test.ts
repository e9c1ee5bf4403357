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
