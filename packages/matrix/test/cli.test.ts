import assert from "node:assert/strict"
import { test } from "node:test"
import { parseCli } from "../src/cli.js"
import { repoRoot } from "../src/paths.js"

const names = (argv: string[]) => parseCli(argv, repoRoot()).scenarios.map((s) => s.name)

test("--scenario picks scenarios; --fixture, its name before, does the same and the two add up", () => {
  assert.deepEqual(names(["--scenario", "tree-wide,tree-deep"]), ["tree-deep", "tree-wide"], "in report order")
  assert.deepEqual(names(["--fixture", "daemon-escape"]), ["daemon-escape"])
  assert.deepEqual(names(["--scenario", "tree-deep", "--fixture", "daemon-escape"]), ["tree-deep", "daemon-escape"])
  assert.throws(() => parseCli(["--scenario", "no-such"], repoRoot()), /unknown scenario\(s\): no-such/)
  assert.throws(() => parseCli(["--fixture", "no-such"], repoRoot()), /unknown scenario\(s\): no-such/)
})
