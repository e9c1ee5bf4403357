import assert from "node:assert/strict"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, test } from "node:test"
import {
  bunPath,
  compareRuntimes,
  currentRuntime,
  isRuntimeName,
  pinnedNodes,
  repoRoot,
  resolveRuntime,
  runtimeLabel,
  runWorker,
  workerMismatch,
  type RuntimeName,
} from "../src/index.js"

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
  const got = await runWorker({ binary: bun, label: "Bun", worker, spec: { n: 1 }, onLine: (l) => lines.push(l), tmpPrefix: "harness-test-" })
  assert.deepEqual(got, { output: { echo: { n: 1 }, bun: true } })
  assert.deepEqual(lines, ["progress 1"])
})

test("a worker that ends without writing gives the reason, with the tail of its stderr; a missing binary says so", async () => {
  const failed = await runWorker({ binary: bun, label: "Bun", worker, spec: { fail: true }, onLine: () => {}, tmpPrefix: "harness-test-" })
  assert.deepEqual(failed, { reason: "the Bun worker exited (exit 3) before writing its output: it went wrong" })
  const missing = await runWorker({ binary: join(dir, "no-bun"), label: "Bun", worker, spec: {}, onLine: () => {}, tmpPrefix: "harness-test-" })
  assert.ok("reason" in missing && missing.reason.startsWith("Bun is not installed"))
})

test("a pinned Node runs a worker the same way, and reports the pinned version", async (t) => {
  // Where Node 24 is pinned for this host, the test steps install it first: missing is a failure there.
  if (!(await pinnedNodes(repoRoot())).includes("node24")) return t.skip(`no Node 24 is pinned for ${process.platform}-${process.arch}`)
  const node24 = await resolveRuntime(repoRoot(), "node24")
  assert.ok(!("reason" in node24), "reason" in node24 ? node24.reason : "")
  const got = await runWorker({ binary: node24.binary!, label: "Node 24", worker, spec: { n: 2 }, onLine: () => {}, tmpPrefix: "harness-test-" })
  assert.deepEqual(got, { output: { echo: { n: 2 }, bun: false } })
  assert.match(node24.version ?? "", /^24\.\d+\.\d+$/)
})

test("runtime names: node, bun and node<major>; labels and table order follow the major, Bun last", () => {
  for (const ok of ["node", "bun", "node22", "node24"]) assert.ok(isRuntimeName(ok), ok)
  for (const bad of ["deno", "node0", "node-24", "Node24", "both", "node22.1"]) assert.ok(!isRuntimeName(bad), bad)
  assert.deepEqual((["node", "node22", "node24", "bun"] as RuntimeName[]).map(runtimeLabel), ["Node", "Node 22", "Node 24", "Bun"])
  const sorted = (["bun", "node24", "node", "node22"] as RuntimeName[]).sort((a, b) => compareRuntimes(a, b, "20.20.2"))
  assert.deepEqual(sorted, ["node", "node22", "node24", "bun"])
  assert.deepEqual((["node24", "node"] as RuntimeName[]).sort((a, b) => compareRuntimes(a, b, "24.22.3")), ["node", "node24"])
})

test("a runtime that is not pinned, or not installed, resolves to a reason, never to another runtime", async () => {
  const root = repoRoot()
  const node26 = await resolveRuntime(root, "node26")
  assert.ok("reason" in node26 && /node26 is not a pinned Node/.test(node26.reason), JSON.stringify(node26))
  const here = await resolveRuntime(root, "node")
  assert.deepEqual(here, { name: "node", binary: null, version: process.versions.node })
})

test("a worker whose own report is not the runtime it was started as is refused", () => {
  assert.equal(workerMismatch({ name: "bun", version: null }, { runtime: "bun", version: "1.4.4" }), null)
  assert.equal(workerMismatch({ name: "node24", version: "24.22.3" }, { runtime: "node", version: "24.22.3" }), null)
  assert.match(workerMismatch({ name: "bun", version: null }, { runtime: "node", version: "20.20.2" }) ?? "", /Bun worker reported running under node/)
  assert.match(workerMismatch({ name: "node24", version: "24.22.3" }, { runtime: "node", version: "20.20.2" }) ?? "", /reported version 20\.20\.2, not the expected 24\.22\.3/)
})
