import assert from "node:assert/strict"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, test } from "node:test"
import { bunPath, currentRuntime, repoRoot, runUnderBunWorker } from "../src/index.js"

const dir = mkdtempSync(join(tmpdir(), "harness-runtime-"))
after(() => rmSync(dir, { recursive: true, force: true }))

// A worker in plain JavaScript, so the test needs no build of its own: it echoes its spec and its runtime.
const worker = join(dir, "worker.mjs")
writeFileSync(
  worker,
  `import { readFileSync, writeFileSync } from "node:fs"
const [spec, out] = process.argv.slice(2)
const task = JSON.parse(readFileSync(spec, "utf8"))
console.log("progress 1")
if (task.fail) { console.error("it went wrong"); process.exit(3) }
writeFileSync(out, JSON.stringify({ echo: task, bun: !!process.versions.bun }))
`,
)
const bun = bunPath(repoRoot())

test("a Bun worker gets its spec, its progress lines are passed on, and its output comes back", async () => {
  assert.equal(currentRuntime(), "node")
  const lines: string[] = []
  const got = await runUnderBunWorker({ bun, worker, spec: { n: 1 }, onLine: (l) => lines.push(l), tmpPrefix: "harness-test-" })
  assert.deepEqual(got, { output: { echo: { n: 1 }, bun: true } })
  assert.deepEqual(lines, ["progress 1"])
})

test("a worker that ends without writing gives the reason, with the tail of its stderr; a missing Bun says so", async () => {
  const failed = await runUnderBunWorker({ bun, worker, spec: { fail: true }, onLine: () => {}, tmpPrefix: "harness-test-" })
  assert.deepEqual(failed, { reason: "the Bun worker exited (exit 3) before writing its output: it went wrong" })
  const missing = await runUnderBunWorker({ bun: join(dir, "no-bun"), worker, spec: {}, onLine: () => {}, tmpPrefix: "harness-test-" })
  assert.ok("reason" in missing && missing.reason.startsWith("Bun is not installed"))
})
