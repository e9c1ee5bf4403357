import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { after, test } from "node:test"
import { pinnedNodes, repoRoot, resolveRuntime, type RuntimeName } from "../src/index.js"

// The soak (scripts/soak.mjs) names failed tests from the runners' own output, which changes with the Node
// major: Node 20 and 22 write TAP when their output is not a terminal, Node 24 its spec reporter. Checked on
// real output of each Node this host runs, from one file with a passing and a failing test in a suite.
const parsers = (await import(pathToFileURL(join(repoRoot(), "scripts", "test-output.mjs")).href)) as { nodeFailures(output: string): string[] }

const dir = mkdtempSync(join(tmpdir(), "harness-test-output-"))
after(() => rmSync(dir, { recursive: true, force: true }))
const file = join(dir, "sample.test.mjs")
writeFileSync(
  file,
  `import { describe, test } from "node:test"
describe("outer", () => {
  test("passes", () => {})
  test("fails", () => { throw new Error("planted") })
})
test("top-level passes", () => {})
`,
)

test("failed tests are named from node --test's output under every Node here, TAP or spec", async () => {
  const names: RuntimeName[] = ["node", ...(await pinnedNodes(repoRoot()))]
  for (const name of names) {
    const found = await resolveRuntime(repoRoot(), name)
    assert.ok(!("reason" in found), "reason" in found ? found.reason : "")
    // Without this test's own runner context, which would make the inner run report to it instead.
    const env = { ...process.env }
    delete env.NODE_TEST_CONTEXT
    const r = spawnSync(found.binary ?? process.execPath, ["--test", file], { encoding: "utf8", env })
    assert.notEqual(r.status, 0, `${name}: the planted failure fails the run`)
    assert.deepEqual(parsers.nodeFailures(`${r.stdout}${r.stderr}`), ["outer > fails"], `${name}:\n${r.stdout}`)
  }
})
