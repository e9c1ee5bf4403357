import assert from "node:assert/strict"
import { after, afterEach, describe, test } from "node:test"
import { GUARD } from "./guard.js"
import { killLeftovers } from "./leaks.js"
import { newReport, removeReports } from "./reports.js"
import { aliveRoles, hostEndsAfterSpawn, type HostBackend, type HostEnd } from "./scenarios.js"

/**
 * Parent death, asked of each named backend: a host spawns `tree --depth 1 --width 2` (root + 2 children)
 * through it, then exits normally or is SIGKILLed. What survives must be the backend's entry in
 * `survivors`, so the comparison between the engines and the peers cannot drift.
 */
export function describeHostEnds<B extends string>(
  host: Omit<HostBackend, "backend">,
  names: readonly B[],
  survivors: Record<B, Record<HostEnd, string[]>>,
): void {
  const reports: string[] = []
  afterEach(() => {
    for (const file of reports.splice(0)) killLeftovers(file)
  })
  after(() => removeReports())

  for (const name of names) {
    describe(`${name}: when the host ends`, () => {
      for (const end of ["exit", "SIGKILL"] as HostEnd[]) {
        const expected = survivors[name][end]
        const what = expected.length ? `${expected.join(", ")} survive` : "the whole tree dies"
        test(`${end === "exit" ? "exits normally" : "is SIGKILLed"}: ${what}`, GUARD, async () => {
          const file = newReport()
          reports.push(file)
          await hostEndsAfterSpawn({ ...host, backend: name }, file, ["tree", "--depth", "1", "--width", "2"], 3, end)
          assert.deepEqual(await aliveRoles(file, 2_000), expected)
        })
      }
    })
  }
}
