import assert from "node:assert/strict"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { after, afterEach, describe, test } from "node:test"
import {
  aliveRoles,
  GUARD,
  hostEndsAfterSpawn,
  killLeftovers,
  newReport,
  removeReports,
  type HostEnd,
} from "@pawwork/harness/testing"
import { PEERS, type PeerName } from "../src/index.js"

/*
 * Parent death, as packages/process/test/host-exit.test.ts asks it of the engines: a host spawns `tree --depth 1
 * --width 2` (root + 2 children) through a peer, then exits normally or is SIGKILLed. What survives:
 * - execa: its `cleanup` (signal-exit's exit handler) SIGTERMs the root's group on a normal exit
 *   (killDescendants), so the whole tree dies; a SIGKILLed host runs no handler at all;
 * - tree-kill: nothing is tied to the host's life.
 */
const SURVIVORS: Record<PeerName, Record<HostEnd, string[]>> = {
  execa: { exit: [], SIGKILL: ["node", "node", "root"] },
  "tree-kill": { exit: ["node", "node", "root"], SIGKILL: ["node", "node", "root"] },
}

const indexJs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../src/index.js")

const reports: string[] = []
afterEach(() => {
  for (const file of reports.splice(0)) killLeftovers(file)
})
after(() => removeReports())

for (const name of PEERS) {
  describe(`${name}: when the host ends`, () => {
    for (const end of ["exit", "SIGKILL"] as HostEnd[]) {
      const expected = SURVIVORS[name][end]
      const what = expected.length ? `${expected.join(", ")} survive` : "the whole tree dies"
      test(`${end === "exit" ? "exits normally" : "is SIGKILLed"}: ${what}`, GUARD, async () => {
        const file = newReport()
        reports.push(file)
        await hostEndsAfterSpawn({ module: indexJs, create: "createPeer", backend: name }, file, ["tree", "--depth", "1", "--width", "2"], 3, end)
        assert.deepEqual(await aliveRoles(file, 2_000), expected)
      })
    }
  })
}
