// A host that closes its end of the sidecar's stdout, keeping stdin open (it stopped reading, a stream was
// destroyed by mistake), is a host gone: the sidecar ends every tree and exits. From Node, whose "pipe"
// stdio is a socket pair (the Rust suite covers a pipe): the sidecar learns it from the socket's hangup,
// while its silent trees give it nothing to write.
import assert from "node:assert/strict"
import { spawn } from "node:child_process"
import { once } from "node:events"
import { after, test } from "node:test"
import { FrameDecoder, encodeFrame } from "../../src/protocol/framing.js"
import { locateSupervisor } from "../../src/supervisor/locate.js"
import { fixture } from "../support/binaries.js"
import { killLeftovers, survivors } from "../support/leaks.js"
import { countPids, newReport, removeReports, waitForReport } from "../support/report.js"
import { setTimeout as sleep } from "node:timers/promises"

// The ladder's default grace, which the SIGTERM-ignoring tree sits out, plus the product's one second.
const PROMISE_MS = 500 + 1_000
const reports: string[] = []
after(() => {
  for (const r of reports) killLeftovers(r)
  removeReports()
})

test("closing the read end of the sidecar's stdout ends every tree within grace + 1 s, and the sidecar exits", { timeout: 30_000 }, async () => {
  const sidecar = spawn(locateSupervisor(), [], { stdio: ["pipe", "pipe", "inherit"] })
  const decoder = new FrameDecoder()
  const seen: Array<Record<string, unknown>> = []
  sidecar.stdout.on("data", (chunk: Buffer) => {
    for (const item of decoder.push(chunk)) if ("frame" in item) seen.push(item.frame.header)
  })
  const trees: Array<[string[], number]> = [
    [["tree", "--depth", "2", "--width", "2"], 7],
    [["orphan"], 3],
    [["daemon"], 3],
    [["ignore-term", "--children", "1"], 2],
  ]
  trees.forEach(([args], i) => {
    const report = newReport()
    reports.push(report)
    sidecar.stdin.write(encodeFrame({ op: "spawn", req: i + 1, id: `t${i}`, argv: fixture(report, ...args) }))
  })
  for (const [i, [, n]] of trees.entries()) await waitForReport(reports[i]!, countPids(n), `tree ${i}`)
  // A tree can report before its `spawned` reaches this process (a loaded machine, Bun's reads): wait for the
  // answers too, a hang guard only.
  const answersBy = Date.now() + 10_000
  while (seen.length < 1 + trees.length && Date.now() < answersBy) await sleep(10)
  assert.deepEqual(seen.map((e) => e.event), ["hello", "spawned", "spawned", "spawned", "spawned"])

  const exited = once(sidecar, "exit")
  const closedAt = Date.now()
  sidecar.stdout.destroy()
  let left = reports.flatMap(survivors)
  while (left.length > 0 && Date.now() - closedAt < PROMISE_MS) {
    await sleep(10)
    left = reports.flatMap(survivors)
  }
  assert.deepEqual(left, [], `alive ${Date.now() - closedAt} ms after the host closed the sidecar's stdout`)
  const [code, signal] = (await exited) as [number | null, string | null]
  assert.deepEqual({ code, signal }, { code: 0, signal: null }, "the sidecar, its stdin still open, did not exit cleanly")
  sidecar.stdin.end()
})
