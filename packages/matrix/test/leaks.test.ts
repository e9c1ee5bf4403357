import assert from "node:assert/strict"
import { type ChildProcess, spawn } from "node:child_process"
import { appendFileSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, test } from "node:test"
import { setTimeout as sleep } from "node:timers/promises"
import { FixtureReport } from "@pawwork/harness"
import { leakReason, REPORT_ENV, TreeWatch } from "../src/leaks.js"
import { isStillRunning as isAlive, readStat } from "@pawwork/harness"

const dir = mkdtempSync(join(tmpdir(), "matrix-leaks-test-"))
const started: ChildProcess[] = []
after(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL")
  rmSync(dir, { recursive: true, force: true })
})

async function sleeper(env: Record<string, string> = {}): Promise<{ pid: number; start: string; child: ChildProcess }> {
  const child = spawn("sleep", ["30"], { stdio: "ignore", env: { ...process.env, ...env } })
  started.push(child)
  await new Promise((resolve) => child.once("spawn", resolve))
  // exec replaces the forked node image; wait until /proc shows sleep's own environment
  await sleep(50)
  const stat = readStat(child.pid!)
  assert.ok(stat, "sleep is running")
  return { pid: child.pid!, start: stat.start, child }
}

function reportOf(name: string, members: { pid: number; start: string; role: string }[]): string {
  const path = join(dir, name)
  for (const m of members) appendFileSync(path, `${JSON.stringify({ kind: "pid", ppid: process.pid, ...m })}\n`)
  return path
}

test("a reported member that is still alive is a survivor; a dead one is not", async () => {
  const live = await sleeper()
  const dead = await sleeper()
  dead.child.kill("SIGKILL")
  await new Promise((resolve) => dead.child.once("exit", resolve))
  const path = reportOf("alive.jsonl", [
    { pid: live.pid, start: live.start, role: "grandchild" },
    { pid: dead.pid, start: dead.start, role: "child" },
  ])
  const watch = new TreeWatch(new FixtureReport(path))
  const t0 = performance.now()
  const quiet = await watch.untilGone(t0, t0 + 150)
  assert.equal(quiet.quiescenceMs, null)
  assert.deepEqual(quiet.survivors.map((m) => m.pid), [live.pid])
  assert.equal(leakReason(quiet.survivors), "leaked: grandchild")
  assert.deepEqual(await watch.killAll(), [live.pid])
  assert.equal(isAlive(live.pid, live.start), false)
})

test("quiescence is the moment the last member goes", async () => {
  const s = await sleeper()
  const watch = new TreeWatch(new FixtureReport(reportOf("quiet.jsonl", [{ ...s, role: "root" }])))
  const t0 = performance.now()
  setTimeout(() => s.child.kill("SIGKILL"), 100)
  const quiet = await watch.untilGone(t0, t0 + 5000)
  assert.ok(quiet.quiescenceMs !== null && quiet.quiescenceMs >= 90, `quiescence ${quiet.quiescenceMs}`)
  assert.deepEqual(quiet.survivors, [])
})

test("a process carrying the report path that never reported is found through its environment", async () => {
  const path = join(dir, "unreported.jsonl")
  appendFileSync(path, "")
  const s = await sleeper({ [REPORT_ENV]: path })
  const watch = new TreeWatch(new FixtureReport(path))
  const alive = watch.aliveAll()
  assert.deepEqual(alive.map((m) => [m.pid, m.role]), [[s.pid, "unreported"]])
  await watch.killAll()
  assert.equal(isAlive(s.pid, s.start), false)
})

test("a pid whose start time differs (recycled) is not a survivor and is never killed", async () => {
  const s = await sleeper()
  const path = reportOf("recycled.jsonl", [{ pid: s.pid, start: "1", role: "grandchild" }])
  const watch = new TreeWatch(new FixtureReport(path))
  assert.deepEqual(watch.aliveReported(), [])
  assert.deepEqual(await watch.killAll(), [])
  assert.ok(isAlive(s.pid, s.start))
})
