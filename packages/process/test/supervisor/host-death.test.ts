// Host death, seen from Node: when the Node process that owns the sidecar is SIGKILLed (a crash, a
// force-quit of the app), the sidecar reads EOF on its stdin, runs the ladder on every tree and exits. Every
// process of every tree must be gone within the grace period plus one second.
import assert from "node:assert/strict"
import { type ChildProcessByStdio, spawn } from "node:child_process"
import type { Readable } from "node:stream"
import path from "node:path"
import { test } from "node:test"
import { setTimeout as sleep } from "node:timers/promises"
import { fileURLToPath } from "node:url"
import { locateSupervisor } from "../../src/supervisor/locate.js"
import { fixture } from "../support/binaries.js"
import { killLeftovers, survivors } from "../support/leaks.js"
import { newReport, reportedPids } from "../support/report.js"

// The ladder's grace given to every tree (the spawn's `timeout`); the SIGTERM-ignoring child needs all of it.
const GRACE_MS = 500
// The product's promise (README, "Guarantees": "host (Node) SIGKILLed: nothing survives grace + 1 s"), measured
// from the host's SIGKILL: not loosened for a busy machine.
const PROMISE_MS = GRACE_MS + 1_000
const index = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/index.js")

/** A Node host that creates the supervisor backend as `p`, then runs `body`, then waits to be killed. */
function startHost(body: string): ChildProcessByStdio<null, Readable, null> {
  return spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { createProcess } from ${JSON.stringify(index)}
       const p = createProcess({ backend: "supervisor", supervisorPath: ${JSON.stringify(locateSupervisor())} })
       ${body}
       setInterval(() => {}, 1000)`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  )
}

/** SIGKILLs the host, then polls until no reported process is alive or the promise's bound has passed. */
async function killHostAndWait(host: ChildProcessByStdio<null, Readable, null>, reports: string[]): Promise<{ left: ReturnType<typeof survivors>; afterMs: number }> {
  const killedAt = Date.now()
  host.kill("SIGKILL")
  let left = reports.flatMap(survivors)
  while (left.length > 0 && Date.now() - killedAt < PROMISE_MS) {
    await sleep(10)
    left = reports.flatMap(survivors)
  }
  return { left, afterMs: Date.now() - killedAt }
}

test("SIGKILL of the Node host leaves no process of any tree after grace + 1 s", { timeout: 30_000 }, async () => {
  const trees: Array<[string[], number]> = [
    [["tree", "--depth", "2", "--width", "2"], 7],
    [["orphan"], 3],
    [["daemon"], 3],
    [["ignore-term", "--children", "1"], 2],
  ]
  const reports = trees.map(() => newReport())
  const argvs = trees.map(([args], i) => fixture(reports[i], ...args))
  // The host: spawns every tree through the supervisor backend, then waits to be killed.
  const host = startHost(`for (const argv of ${JSON.stringify(argvs)}) p.spawn(argv, { timeout: ${GRACE_MS} })
       console.log("spawned")`)
  try {
    // Wait until every process of every tree has reported itself.
    const deadline = Date.now() + 15_000
    while (trees.some(([, n], i) => reportedPids(reports[i]).length < n)) {
      assert.ok(Date.now() < deadline, "the trees did not start")
      await sleep(25)
    }
    const { left, afterMs } = await killHostAndWait(host, reports)
    assert.deepEqual(left, [], `alive ${afterMs} ms after the host's SIGKILL`)
  } finally {
    host.kill("SIGKILL")
    for (const r of reports) killLeftovers(r)
  }
})

test("SIGKILL of the Node host ends a kept background job too (leftovers: keep) within grace + 1 s", { timeout: 30_000 }, async () => {
  const file = newReport()
  // The host runs `hold-pipe` with `leftovers: "keep"`: its call returns at the drain bound with the holder
  // kept alive in the tree, then the host says so and waits to be killed.
  const host = startHost(`const c = p.spawn(${JSON.stringify(fixture(file, "hold-pipe"))}, { timeout: ${GRACE_MS}, stdout: "pipe", drainTimeout: 300, leftovers: "keep" })
       c.stdout.resume()
       const code = await c.exited
       const o = await c.outcome
       console.log(JSON.stringify({ code, kept: o.kept, leftovers: o.leftoverPids }))`)
  try {
    let line = ""
    host.stdout.setEncoding("utf8")
    host.stdout.on("data", (chunk: string) => (line += chunk))
    const deadline = Date.now() + 15_000
    while (!line.includes("\n")) {
      assert.ok(Date.now() < deadline, "the host's call did not return")
      await sleep(25)
    }
    const told = JSON.parse(line) as { code: number; kept: boolean; leftovers: number[] }
    assert.equal(told.kept, true, "the job was not kept")
    const holder = reportedPids(file).find((p) => p.role === "holder")
    assert.ok(holder && told.leftovers.includes(holder.pid), "the holder is not among the kept leftovers")
    assert.ok(survivors(file).some((p) => p.pid === holder.pid), "the kept holder is not alive before the host dies")
    const { left, afterMs } = await killHostAndWait(host, [file])
    assert.deepEqual(left, [], `alive ${afterMs} ms after the host's SIGKILL`)
  } finally {
    host.kill("SIGKILL")
    killLeftovers(file)
  }
})
