import assert from "node:assert/strict"
import type { ChildProcess } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, test } from "node:test"
import { FixtureReport, type Member, reportingSleeper } from "@pawwork/harness"
import { TreeWatch } from "../src/leaks.js"
import { paths } from "../src/paths.js"

/*
 * TreeWatch over a real fixture process on every platform. The lookups it
 * rests on are tested in packages/harness (test/proc-lookup.test.ts).
 */

const dir = mkdtempSync(join(tmpdir(), "matrix-proc-lookup-"))
const started: ChildProcess[] = []
after(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL")
  rmSync(dir, { recursive: true, force: true })
})

/** A fixture `sleep` writing to its own report (the harness's reportingSleeper), tracked for the cleanup. */
async function fixtureSleeper(name: string): Promise<{ member: Member; child: ChildProcess; report: string }> {
  const report = join(dir, `${name}.jsonl`)
  const { member, child } = await reportingSleeper(paths().fixtureBin, report)
  started.push(child)
  return { member, child, report }
}

const exited = (c: ChildProcess) => new Promise((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve(null) : c.once("exit", resolve)))

test("TreeWatch sees a reported fixture member, reports it as a survivor and kills it", async () => {
  const { member, child, report } = await fixtureSleeper("watch")
  const watch = new TreeWatch(new FixtureReport(report))
  const t0 = performance.now()
  const quiet = await watch.untilGone(t0, t0 + 200)
  assert.deepEqual(quiet.survivors.map((m) => m.pid), [member.pid])
  assert.deepEqual(await watch.killAll(), [member.pid])
  await exited(child)
  const after = await watch.untilGone(performance.now(), performance.now() + 5000)
  assert.deepEqual(after.survivors, [])
  assert.notEqual(after.quiescenceMs, null)
})

