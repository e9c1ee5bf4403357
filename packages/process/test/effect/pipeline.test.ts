// Pipelines (PipedCommand) through the Effect layer: each stage its own supervised tree, its stdin fed
// from the previous stage's stdout, stderr or both, with the sidecar's flow control end to end.
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import * as Effect from "effect/Effect"
import * as ChildProcess from "effect/process/ChildProcess"
import { GUARD } from "../support/backends.js"
import { fixture } from "../support/binaries.js"
import { collect, promise, run, spawner, text } from "../support/effect.js"
import { survivors } from "../support/leaks.js"
import { countPids, reportedPids, waitForReport } from "../support/report.js"
import { pattern } from "../support/pattern.js"
import { trackedReports } from "../support/tracked-reports.js"

const report = trackedReports()

const cmd = (args: string[], file: string | null = null) => {
  const [program, ...rest] = fixture(file, ...args)
  return ChildProcess.make(program!, rest)
}

describe("SupervisorSpawner: pipelines", () => {
  test("stdout into the next stage's stdin", GUARD, async () => {
    const bytes = 2 * 1024 * 1024
    const out = await run(Effect.gen(function* () {
      const sp = yield* spawner
      const handle = yield* sp.spawn(cmd(["flood", "--bytes", String(bytes)]).pipe(ChildProcess.pipeTo(cmd(["echo-stdin"]))))
      const out = yield* collect(handle.stdout)
      return { out, code: yield* handle.exitCode }
    }))
    assert.ok(out.out.equals(pattern(bytes)), `got ${out.out.length} of ${bytes} bytes`)
    assert.equal(out.code, 0)
  })

  test("three stages", GUARD, async () => {
    const bytes = 512 * 1024
    const out = await run(Effect.gen(function* () {
      const sp = yield* spawner
      const pipeline = cmd(["flood", "--bytes", String(bytes)]).pipe(
        ChildProcess.pipeTo(cmd(["echo-stdin"])),
        ChildProcess.pipeTo(cmd(["echo-stdin"])),
      )
      return yield* collect((yield* sp.spawn(pipeline)).stdout)
    }))
    assert.ok(out.equals(pattern(bytes)), `got ${out.length} of ${bytes} bytes`)
  })

  test("from: stderr", GUARD, async () => {
    const out = await run(Effect.gen(function* () {
      const sp = yield* spawner
      const pipeline = cmd(["stderr", "--text", "from stderr", "--code", "0"]).pipe(
        ChildProcess.pipeTo(cmd(["echo-stdin"]), { from: "stderr" }),
      )
      return yield* sp.string(pipeline)
    }))
    assert.equal(out, "from stderr")
  })

  test("from: all", GUARD, async () => {
    const out = await run(Effect.gen(function* () {
      const sp = yield* spawner
      const pipeline = ChildProcess.make("echo to-out; echo to-err 1>&2", { shell: true }).pipe(
        ChildProcess.pipeTo(cmd(["echo-stdin"]), { from: "all" }),
      )
      return yield* text((yield* sp.spawn(pipeline)).stdout)
    }))
    assert.deepEqual(out.split("\n").filter(Boolean).sort(), ["to-err", "to-out"])
  })

  test("each stage is its own supervised tree; kill() and the scope end every stage's tree", GUARD, async () => {
    const files = [report(), report(), report(), report()]
    const tree = ["tree", "--depth", "1", "--width", "1"]
    const result = await run(Effect.gen(function* () {
      const sp = yield* spawner
      const killed = yield* sp.spawn(cmd(tree, files[0]).pipe(ChildProcess.pipeTo(cmd(tree, files[1]))))
      yield* Effect.scoped(Effect.gen(function* () {
        yield* sp.spawn(cmd(tree, files[2]).pipe(ChildProcess.pipeTo(cmd(tree, files[3]))))
        for (const f of files) yield* promise(() => waitForReport(f, countPids(2), "root and child"))
      }))
      const afterScope = [...survivors(files[2]!), ...survivors(files[3]!)]
      const stillRunning = [...survivors(files[0]!), ...survivors(files[1]!)].length
      yield* killed.kill()
      return { afterScope, stillRunning, afterKill: [...survivors(files[0]!), ...survivors(files[1]!)] }
    }))
    // Two stages, two trees: each root's parent is the sidecar, not the previous stage.
    const roots = files.map((f) => reportedPids(f)[0]!)
    assert.notEqual(roots[0]!.pid, roots[1]!.pid)
    assert.equal(roots[0]!.ppid, roots[1]!.ppid)
    assert.deepEqual(result.afterScope, [])
    assert.equal(result.stillRunning, 4)
    assert.deepEqual(result.afterKill, [])
  })
})
