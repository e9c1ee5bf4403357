import assert from "node:assert/strict"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { after, afterEach, describe, test } from "node:test"
import type { EngineName } from "../src/index.js"
import { backendNames, GUARD } from "./support/backends.js"
import { killLeftovers } from "./support/leaks.js"
import { newReport, removeReports } from "./support/report.js"
import { aliveRoles, hostEndsAfterSpawn, type HostEnd } from "./support/scenarios.js"

/*
 * Parent death: a host spawns `tree --depth 1 --width 2` (root + 2 children) and then exits normally or is
 * SIGKILLed. What survives is each engine's answer, asserted so the comparison cannot drift (the peers' are
 * in packages/peers/test/host-exit.test.ts):
 * - supervisor: the sidecar sees its stdin close whichever way the host ended, and ends every tree;
 * - baseline: nothing is tied to the host's life.
 */
const SURVIVORS: Record<EngineName, Record<HostEnd, string[]>> = {
  supervisor: { exit: [], SIGKILL: [] },
  baseline: { exit: ["node", "node", "root"], SIGKILL: ["node", "node", "root"] },
}

const indexJs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../src/index.js")

const reports: string[] = []
afterEach(() => {
  for (const file of reports.splice(0)) killLeftovers(file)
})
after(() => removeReports())

for (const name of backendNames()) {
  describe(`${name}: when the host ends`, () => {
    for (const end of ["exit", "SIGKILL"] as HostEnd[]) {
      const expected = SURVIVORS[name][end]
      const what = expected.length ? `${expected.join(", ")} survive` : "the whole tree dies"
      test(`${end === "exit" ? "exits normally" : "is SIGKILLed"}: ${what}`, GUARD, async () => {
        const file = newReport()
        reports.push(file)
        await hostEndsAfterSpawn({ module: indexJs, create: "createProcess", backend: name }, file, ["tree", "--depth", "1", "--width", "2"], 3, end)
        assert.deepEqual(await aliveRoles(file, 2_000), expected)
      })
    }
  })
}
