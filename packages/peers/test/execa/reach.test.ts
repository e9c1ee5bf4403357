import assert from "node:assert/strict"
import { readFileSync } from "node:fs"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, test } from "node:test"
import { createPeer } from "../../src/index.js"
import { ownProcessGroup } from "@pawwork/process/backend-kit"
import {
  GUARD,
  abortWhenReady,
  aliveRoles,
  countPids,
  fixture,
  hasRole,
  holdBriefly,
  killLeftovers,
  settledWithin,
  signalsByRole,
  survivors,
  trackedReports,
  waitAllGone,
  waitForReport,
} from "@pawwork/harness/testing"

/*
 * The execa backend's known failures, asserted so the comparison cannot drift, and what it does right.
 * Every failure here has one mechanism: execa 9 sends each signal (cancelSignal, forceKillAfterDelay, kill(),
 * cleanup) to the root pid alone, through Node's ChildProcess.kill.
 */
const proc = createPeer({ backend: "execa" })
const report = trackedReports()

function processGroupOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2])
}

describe("execa: the installed major", () => {
  test("is 9, which ignores killDescendants: the child stays in our process group", GUARD, async () => {
    const entry = fileURLToPath(import.meta.resolve("execa"))
    const { version } = JSON.parse(readFileSync(path.join(path.dirname(entry), "package.json"), "utf8"))
    assert.match(version, /^9\./, "a new execa major changes this column: re-measure and update the README")
    const file = report()
    const child = proc.spawn(fixture(file, "sleep"))
    await waitForReport(file, countPids(1), "the root")
    // Execa 10's killDescendants would have made the child lead its own group (detached) to kill(-pid) it.
    assert.equal(processGroupOf(child.pid!), ownProcessGroup())
    await proc.stop(child)
  })
})

describe("execa: every signal reaches the root pid alone", () => {
  test("abort: the root dies, its whole tree survives", GUARD, async () => {
    const file = report()
    const { outcome } = await abortWhenReady(proc, file, ["tree", "--depth", "2", "--width", "2"], countPids(7), "7 nodes")
    assert.equal(outcome.reason, "cancelled")
    assert.equal(outcome.signal, "SIGTERM")
    assert.deepEqual(await aliveRoles(file), Array(6).fill("node"))
  })

  test("forceKillAfterDelay SIGKILLs the root; children ignoring SIGTERM survive", GUARD, async () => {
    const file = report()
    const { child, outcome } = await abortWhenReady(
      proc,
      file,
      ["ignore-term", "--children", "2"],
      countPids(3),
      "root and 2 children",
      { timeout: 600 },
    )
    assert.equal(outcome.signal, "SIGKILL")
    assert.deepEqual(outcome.killedPids, [child.pid])
    assert.deepEqual(await aliveRoles(file), ["child", "child"])
  })

  test("stop(): the children of the root survive", GUARD, async () => {
    const file = report()
    const child = proc.spawn(fixture(file, "tree", "--depth", "1", "--width", "3"))
    await waitForReport(file, countPids(4), "root and 3 children")
    await proc.stop(child)
    assert.equal(await child.exited, 1)
    assert.deepEqual(await aliveRoles(file), ["node", "node", "node"])
  })

  test("kill(sig) is not forwarded: only the root sees it", GUARD, async () => {
    const file = report()
    const child = proc.spawn(fixture(file, "trap", "--depth", "1", "--width", "2"), { timeout: 500 })
    await waitForReport(file, countPids(3), "root and 2 children")
    assert.equal(child.kill("SIGINT"), true)
    await waitForReport(file, (l) => l.some((x) => x.kind === "signal"), "the root's SIGINT")
    // Give a signal to the children every chance to arrive before looking.
    await settledWithin(child.exited, 500)
    const got = signalsByRole(file)
    assert.deepEqual(got.get("root"), [["SIGINT"]])
    assert.deepEqual(got.get("node"), [[], []])
    await proc.stop(child)
  })


  test("stop() after the root exited is a no-op: its leftover child survives", GUARD, async () => {
    const file = report()
    const child = proc.spawn(fixture(file, "leftover"))
    assert.equal(await child.exited, 0)
    await waitForReport(file, hasRole("leftover"), "the leftover")
    await proc.stop(child)
    assert.deepEqual(await aliveRoles(file, 1_000), ["leftover"])
  })
})

describe("execa: what it gets right", () => {
  test("the abort's first signal is the requested killSignal", GUARD, async () => {
    const file = report()
    await abortWhenReady(proc, file, ["trap", "--exit-on-signal"], countPids(1), "the root", {
      kill: "SIGINT",
      timeout: 2_000,
    })
    assert.deepEqual(signalsByRole(file).get("root"), [["SIGINT"]])
    assert.deepEqual(await waitAllGone(file), [])
  })

  test("exited settles only after the pipe drained, with every byte", GUARD, async () => {
    const { atExit, outcome } = await holdBriefly(proc, report())
    assert.equal(atExit.ended, true)
    assert.equal(atExit.data, "root done\n")
    assert.equal(outcome.drain, "complete")
    assert.equal(outcome.bytes.stdout, Buffer.byteLength("root done\n"))
  })

  test("...which is also why run() hangs while a grandchild holds the pipe (no drain bound)", GUARD, async () => {
    const file = report()
    const running = proc.run(fixture(file, "hold-pipe"))
    await waitForReport(file, countPids(2), "root and holder")
    assert.equal(await settledWithin(running, 3_000), "pending")
    assert.ok(survivors(file).some((p) => p.role === "holder"))
    killLeftovers(file)
    assert.equal((await running).stdout.toString(), "root done\n")
  })
})
