// Nothing hangs on a sidecar that stops answering, and nothing it sends unchecked reaches a caller: a
// sidecar that is stopped (SIGSTOP), one that reads requests but never answers, and one that sends a bad
// event are each declared dead, SIGKILLed (its watchdog ends every tree) and replaced by the next call.
import assert from "node:assert/strict"
import { startOf, isStillRunning } from "@pawwork/harness"
import { setTimeout as sleep } from "node:timers/promises"
import { after, describe, test } from "node:test"
import { createProcess, SupervisorDiedError, SupervisorProtocolError } from "../../src/index.js"
import { fixture } from "../support/binaries.js"
import { killLeftovers, waitAllGone } from "../support/leaks.js"
import { countPids, newReport, removeReports, waitForReport } from "../support/report.js"
import { scriptedSidecar, type ScriptedMode } from "../support/scripted-sidecar.js"

// Short enough for a test, and still far above a round trip on this loaded machine; the default is 10 s.
const BOUND_MS = 1_500
process.env.PAWWORK_SUPERVISOR_LIVENESS_MS = String(BOUND_MS)
// Hang guard only: the verdict needs the bound plus at most two of its ticks.
const GUARD = { timeout: 30_000 }
// docs/reference/design.md: the sidecar's own SIGKILL leaves nothing of any tree after one second.
const ONE_SECOND = 1_000
const unix = process.platform === "win32" ? "scripted sidecars are shell-free scripts with a #! line: Unix only" : false

const reports: string[] = []
after(() => {
  for (const r of reports) killLeftovers(r)
  removeReports()
})

/** Waits (a hang guard) until the process `pid`, as started at `start`, is gone. */
async function gone(pid: number, start: string | null): Promise<boolean> {
  const deadline = Date.now() + 10_000
  while (start !== null && isStillRunning(pid, start)) {
    if (Date.now() > deadline) return false
    await sleep(20)
  }
  return true
}

describe("a sidecar that stops answering", () => {
  test("a stopped sidecar fails a pending abort within the bound, its trees die, and the next call starts a fresh one", GUARD, async () => {
    const p = createProcess({ backend: "supervisor" })
    const report = newReport()
    reports.push(report)
    const ac = new AbortController()
    const running = p.run(fixture(report, "tree", "--depth", "2", "--width", "2"), { abort: ac.signal, timeout: 500 })
    await waitForReport(report, countPids(7), "the whole tree")
    const pid = p.sidecarPid
    assert.ok(pid !== undefined && pid > 1 && pid !== process.pid, `sidecar pid ${pid}`)
    const start = startOf(pid)
    process.kill(pid, "SIGSTOP")
    try {
      const stoppedAt = Date.now()
      ac.abort()
      await assert.rejects(running, (err: Error) => {
        assert.ok(err instanceof SupervisorDiedError, String(err))
        assert.match(err.message, new RegExp(`pid ${pid}\\) stopped answering: no answer to a ping in \\d+ ms`))
        return true
      })
      const failedAfter = Date.now() - stoppedAt
      assert.deepEqual(await waitAllGone(report, ONE_SECOND), [], "a process of the tree outlived its sidecar by a second")
      assert.ok(await gone(pid, start), "the stopped sidecar is still there")
      console.log(`stopped sidecar: the abort failed ${failedAfter} ms after the stop (bound ${BOUND_MS} ms)`)
    } finally {
      // Only if the test failed before the kill: never leave a stopped sidecar behind.
      if (start !== null && isStillRunning(pid, start)) process.kill(pid, "SIGKILL")
    }
    const again = await p.text(["sh", "-c", "echo fresh"])
    assert.equal(again.text, "fresh\n")
    assert.notEqual(p.sidecarPid, pid)
    await p.shutdown()
  })

  test("a sidecar that reads requests but never answers is declared dead, and the next call starts a fresh one", { ...GUARD, skip: unix }, async () => {
    const scripted = scriptedSidecar("silent")
    const p = createProcess({ backend: "supervisor", supervisorPath: scripted.path })
    for (const round of [1, 2]) {
      await assert.rejects(p.run(["true"]), (err: Error) => err instanceof SupervisorDiedError && /stopped answering/.test(err.message))
      const pids = scripted.pids()
      assert.equal(pids.length, round, `sidecars started: ${pids}`)
      assert.ok(await gone(pids[round - 1]!, startOf(pids[round - 1]!)), "the silent sidecar was not ended")
    }
    await p.shutdown()
  })

  test("a busy sidecar is not mistaken for a stopped one: pongs wait behind 64 MiB of output", GUARD, async () => {
    const p = createProcess({ backend: "supervisor" })
    const out = await p.run(fixture(null, "flood", "--bytes", String(64 << 20)))
    assert.equal(out.stdout.length, 64 << 20)
    await p.shutdown()
  })
})

describe("a sidecar that sends a bad event", () => {
  const kinds: ScriptedMode[] = ["unknown-event", "wrong-type", "wrong-answer", "bad-exit", "not-json"]
  for (const kind of kinds) {
    test(`${kind}: the run fails with the reason, that sidecar is ended, the next call starts a fresh one`, { ...GUARD, skip: unix }, async () => {
      const scripted = scriptedSidecar(kind)
      const p = createProcess({ backend: "supervisor", supervisorPath: scripted.path })
      for (const round of [1, 2]) {
        await assert.rejects(p.run(["true"]), (err: Error) => {
          assert.ok(err instanceof SupervisorProtocolError, String(err))
          assert.match(err.message, /broke the protocol: /)
          return true
        })
        const pids = scripted.pids()
        assert.equal(pids.length, round, `sidecars started: ${pids}`)
        assert.ok(await gone(pids[round - 1]!, startOf(pids[round - 1]!)), "the broken sidecar was not ended")
      }
      await p.shutdown()
    })
  }
})
