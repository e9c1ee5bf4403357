import assert from "node:assert/strict"
import { readFileSync } from "node:fs"
import path from "node:path"
import { fileURLToPath } from "node:url"
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
 * The execa backend (execa 10 with `killDescendants: true`): what it does right and its known failures, asserted
 * so the comparison cannot drift. One mechanism explains both: the child leads its own process group and every
 * signal execa sends goes to that group, so whatever stays in the group is reached, whatever leaves it (setsid)
 * is not, and nothing is sent once execa's promise settled unless the caller calls `kill()` again.
 */
const proc = createPeer({ backend: "execa" })
const report = trackedReports()

function processGroupOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2])
}

describe("execa: the installed major", () => {
  test("is 10, whose killDescendants makes the child lead its own process group", GUARD, async () => {
    const entry = fileURLToPath(import.meta.resolve("execa"))
    const { version } = JSON.parse(readFileSync(path.join(path.dirname(entry), "package.json"), "utf8"))
    assert.match(version, /^10\./, "a new execa major changes this column: re-measure and update the README")
    const file = report()
    const child = proc.spawn(fixture(file, "sleep"))
    await waitForReport(file, countPids(1), "the root")
    assert.equal(processGroupOf(child.pid!), child.pid)
    await proc.stop(child)
  })
})

describe("execa: every signal reaches the root's process group", () => {
  test("abort: the whole tree dies", GUARD, async () => {
    const file = report()
    const { outcome } = await abortWhenReady(proc, file, ["tree", "--depth", "2", "--width", "2"], countPids(7), "7 nodes")
    assert.equal(outcome.reason, "cancelled")
    assert.equal(outcome.signal, "SIGTERM")
    assert.deepEqual(await waitAllGone(file), [])
  })

  test("forceKillAfterDelay SIGKILLs the group: children ignoring SIGTERM die too", GUARD, async () => {
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
    // Execa says it forced the end (isForcefullyTerminated), not which pids its group SIGKILL reached.
    assert.deepEqual(outcome.killedPids, [child.pid])
    assert.deepEqual(await waitAllGone(file), [])
  })

  test("stop(): the root and its children die", GUARD, async () => {
    const file = report()
    const child = proc.spawn(fixture(file, "tree", "--depth", "1", "--width", "3"))
    await waitForReport(file, countPids(4), "root and 3 children")
    await proc.stop(child)
    assert.equal(await child.exited, 1)
    assert.deepEqual(await waitAllGone(file), [])
  })

  test("kill(sig) is forwarded: every process of the tree sees it", GUARD, async () => {
    const file = report()
    const child = proc.spawn(fixture(file, "trap", "--depth", "1", "--width", "2"), { timeout: 500 })
    await waitForReport(file, countPids(3), "root and 2 children")
    assert.equal(child.kill("SIGINT"), true)
    await waitForReport(file, (l) => l.filter((x) => x.kind === "signal").length >= 3, "3 SIGINT receipts")
    const got = signalsByRole(file)
    assert.deepEqual(got.get("root"), [["SIGINT"]])
    assert.deepEqual(got.get("node"), [["SIGINT"], ["SIGINT"]])
    await proc.stop(child)
    assert.deepEqual(await waitAllGone(file), [])
  })

  test("an orphaned grandchild (its parent already exited) stays in the group and dies on the abort", GUARD, async () => {
    const file = report()
    await abortWhenReady(proc, file, ["orphan"], (l) => middleExited(l) && countPids(3)(l), "middle-exited")
    assert.deepEqual(await waitAllGone(file), [])
  })

  test("a grandchild born from the SIGTERM is reached by the group's SIGKILL while the root lives", GUARD, async () => {
    const file = report()
    // spawn-on-term's root lives 2 s after the SIGTERM: the 500 ms grace ends while execa's promise is pending.
    const { outcome } = await abortWhenReady(proc, file, ["spawn-on-term"], countPids(1), "the root")
    assert.ok(readReport(file).some((l) => l.kind === "pid" && l.role === "grandchild"), "no late grandchild")
    assert.equal(outcome.signal, "SIGKILL")
    assert.deepEqual(await waitAllGone(file), [])
  })

  test("the abort's first signal is the requested killSignal, for every process", GUARD, async () => {
    const file = report()
    const args = ["trap", "--depth", "1", "--width", "2", "--exit-on-signal"]
    await abortWhenReady(proc, file, args, countPids(3), "root and 2 children", { kill: "SIGINT", timeout: 2_000 })
    assert.deepEqual(await waitAllGone(file), [])
    const got = signalsByRole(file)
    assert.deepEqual([...(got.get("root") ?? []), ...(got.get("node") ?? [])], Array(3).fill(["SIGINT"]))
  })
})

describe("execa: what leaves the group, or outlives execa's promise", () => {
  test("a setsid daemon survives the abort", GUARD, async () => {
    const file = report()
    await abortWhenReady(proc, file, ["daemon"], daemonReparented, "the daemon, re-parented")
    assert.deepEqual(await aliveRoles(file), ["daemon"])
  })

  test("a stopped child survives: the root dies on the group's SIGTERM, and the settled promise drops the SIGKILL", GUARD, async () => {
    const file = report()
    const { outcome } = await abortWhenReady(proc, file, ["stopped-member"], childStopped, "the stopped child")
    assert.equal(outcome.signal, "SIGTERM")
    assert.deepEqual(outcome.killedPids, [])
    assert.deepEqual(await aliveRoles(file), ["child"])
  })

  test("stop() after the root exited still signals its group: a holder of the pipe left in it dies", GUARD, async () => {
    const file = report()
    const child = proc.spawn(fixture(file, "hold-pipe"), { stdout: "pipe" })
    child.stdout!.resume()
    await waitForReport(file, countPids(2), "root and holder")
    const deadline = Date.now() + 5_000
    while (survivors(file).some((p) => p.role === "root") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    assert.deepEqual(survivors(file).map((p) => p.role), ["holder"], "the root exited, the holder keeps the pipe")
    assert.equal(await settledWithin(child.exited, 200), "pending", "execa's promise waits for the holder's EOF")
    await proc.stop(child)
    assert.equal(await child.exited, 0)
    assert.deepEqual(await waitAllGone(file), [])
  })

  test("stop() after the root exited SIGTERMs the group once: a leftover ignoring SIGTERM survives", GUARD, async () => {
    const file = report()
    const child = proc.spawn(fixture(file, "leftover"))
    assert.equal(await child.exited, 0)
    await waitForReport(file, hasRole("leftover"), "the leftover")
    await proc.stop(child)
    assert.deepEqual(await aliveRoles(file, 1_000), ["leftover"])
  })
})

describe("execa: the pipes", () => {
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
