import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { createPeer } from "../../src/index.js"
import {
  GUARD,
  abortWhenReady,
  aliveRoles,
  childStopped,
  daemonReparented,
  countPids,
  fixture,
  hasRole,
  holdBriefly,
  killLeftovers,
  middleExited,
  readReport,
  settledWithin,
  signalsByRole,
  survivors,
  trackedReports,
  waitAllGone,
  waitForReport,
} from "@pawwork/harness/testing"

/*
 * The tree-kill backend's known failures, asserted so the comparison cannot drift, and what it does right.
 * Its reach is one `ps --ppid` walk from the root per call: whatever is the root's descendant at that moment,
 * and nothing once the root is gone.
 */
const proc = createPeer({ backend: "tree-kill" })
const report = trackedReports()

describe("tree-kill: what a walk from the live root reaches", () => {
  test("kill(sig) forwards the signal to every process of the tree", GUARD, async () => {
    const file = report()
    const child = proc.spawn(fixture(file, "trap", "--depth", "2", "--width", "2"))
    await waitForReport(file, countPids(7), "7 nodes")
    assert.equal(child.kill("SIGINT"), true)
    await waitForReport(file, (l) => l.filter((x) => x.kind === "signal").length >= 7, "7 SIGINT receipts")
    const got = signalsByRole(file)
    assert.deepEqual(got.get("root"), [["SIGINT"]])
    assert.deepEqual(got.get("node"), Array(6).fill(["SIGINT"]))
    await proc.stop(child)
    assert.deepEqual(await waitAllGone(file), [])
  })

  test("the abort's first signal is the requested one, for every process", GUARD, async () => {
    const file = report()
    const args = ["trap", "--depth", "1", "--width", "2", "--exit-on-signal"]
    await abortWhenReady(proc, file, args, countPids(3), "root and 2 children", { kill: "SIGINT", timeout: 2_000 })
    assert.deepEqual(await waitAllGone(file), [])
    const got = signalsByRole(file)
    assert.deepEqual([...(got.get("root") ?? []), ...(got.get("node") ?? [])], Array(3).fill(["SIGINT"]))
  })

  test("a grandchild born from the SIGTERM is found by the forceful walk while the root lives", GUARD, async () => {
    const file = report()
    // spawn-on-term's root lives 2 s after the SIGTERM: the 500 ms grace ends while it is still there.
    const { outcome } = await abortWhenReady(proc, file, ["spawn-on-term"], countPids(1), "the root")
    assert.ok(readReport(file).some((l) => l.kind === "pid" && l.role === "grandchild"), "no late grandchild")
    assert.equal(outcome.signal, "SIGKILL")
    assert.deepEqual(await waitAllGone(file), [])
  })
})

describe("tree-kill: what it cannot reach", () => {
  test("an orphaned grandchild (its parent already exited) survives the abort", GUARD, async () => {
    const file = report()
    await abortWhenReady(proc, file, ["orphan"], (l) => middleExited(l) && countPids(3)(l), "middle-exited")
    assert.deepEqual(await aliveRoles(file), ["grandchild"])
  })

  test("a setsid daemon survives the abort", GUARD, async () => {
    const file = report()
    await abortWhenReady(proc, file, ["daemon"], daemonReparented, "the daemon, re-parented")
    assert.deepEqual(await aliveRoles(file), ["daemon"])
  })

  test("a stopped child survives: the root dies in the grace, so no SIGKILL walk follows", GUARD, async () => {
    const file = report()
    const { outcome } = await abortWhenReady(proc, file, ["stopped-member"], childStopped, "the stopped child")
    assert.equal(outcome.signal, "SIGTERM")
    assert.deepEqual(outcome.killedPids, [])
    assert.deepEqual(await aliveRoles(file), ["child"])
  })

  test("stop() after the root exited is a no-op: its leftover child survives", GUARD, async () => {
    const file = report()
    const child = proc.spawn(fixture(file, "leftover"))
    assert.equal(await child.exited, 0)
    await waitForReport(file, hasRole("leftover"), "the leftover")
    await proc.stop(child)
    assert.deepEqual(await aliveRoles(file, 1_000), ["leftover"])
  })


  test("exited settles while a grandchild still holds the pipe (Node's exit event, as the baseline)", GUARD, async () => {
    const { atExit, outcome, final } = await holdBriefly(proc, report())
    assert.equal(atExit.ended, false, "exited resolved only after EOF: the gap is gone")
    assert.equal(outcome.drain, "cut")
    assert.equal(final.data, "root done\n")
  })

  test("run() hangs while a grandchild holds the pipe, and returns once it is killed", GUARD, async () => {
    const file = report()
    const running = proc.run(fixture(file, "hold-pipe"))
    await waitForReport(file, countPids(2), "root and holder")
    assert.equal(await settledWithin(running, 3_000), "pending")
    assert.ok(survivors(file).some((p) => p.role === "holder"))
    killLeftovers(file)
    assert.equal((await running).stdout.toString(), "root done\n")
  })
})
