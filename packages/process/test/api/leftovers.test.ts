// leftovers: "keep" (supervisor backend and the Effect layer): a background holder of the output pipe does not
// hold the call past the drain bound, is alive and listed right after it, and ends with kill(), stop(),
// terminateTree({ pid }) of the root, or the sidecar's shutdown. The Process API's default (kill) ends it
// before the call returns; the layer's default (scope) when the command's scope closes, and its `kill` at the
// drain bound. Leaks are judged by pid and start time (support/leaks.ts).
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as ChildProcess from "effect/process/ChildProcess"
import { SupervisorSpawner } from "../../src/effect/index.js"
import { createProcess } from "../../src/index.js"
import type { SupervisedChild } from "../../src/types.js"
import { GUARD } from "../support/backends.js"
import { fixture } from "../support/binaries.js"
import { promise, run, spawner } from "../support/effect.js"
import { isAlive, survivors, waitAllGone } from "../support/leaks.js"
import { reportedPids, waitForReport } from "../support/report.js"
import { trackedReports } from "../support/tracked-reports.js"

const proc = createProcess({ backend: "supervisor" })
const report = trackedReports(proc)

const DRAIN_MS = 500
/**
 * Hang guard for the call: the drain bound plus slack for start-up on a busy 2-core machine. The holder keeps
 * the pipe for ever, so without the drain cut the call would never return; the slack only absorbs noise.
 */
const CALL_BOUND_MS = DRAIN_MS + 10_000

const holderOf = async (file: string) => {
  await waitForReport(file, (lines) => lines.some((l) => l.kind === "pid" && l.role === "holder"), "the holder")
  return reportedPids(file).find((p) => p.role === "holder")!
}

async function keptHolder(file: string): Promise<{ child: SupervisedChild; holder: ReturnType<typeof reportedPids>[number] }> {
  const started = Date.now()
  const child = proc.spawn(fixture(file, "hold-pipe"), { stdout: "pipe", drainTimeout: DRAIN_MS, leftovers: "keep", timeout: 200 }) as SupervisedChild
  child.stdout!.resume()
  assert.equal(await child.exited, 0)
  assert.ok(Date.now() - started < CALL_BOUND_MS, `exited took ${Date.now() - started} ms`)
  const holder = await holderOf(file)
  const outcome = await child.outcome
  assert.equal(outcome.kept, true)
  assert.equal(outcome.drain, "cut")
  assert.ok(outcome.leftoverPids.includes(holder.pid), `leftoverPids ${outcome.leftoverPids} lacks the holder ${holder.pid}`)
  assert.ok(isAlive(holder), "the kept holder is not alive right after the call")
  return { child, holder }
}

describe("Process: leftovers option", () => {
  test("keep: exited settles at the drain bound, the holder lives on until terminateTree of the root", GUARD, async () => {
    const file = report()
    const { child } = await keptHolder(file)
    await proc.terminateTree({ pid: child.pid! })
    assert.deepEqual(survivors(file), [], "terminateTree resolved with the kept tree still alive")
  })

  test("keep: kill() after the exit ends the kept tree", GUARD, async () => {
    const file = report()
    const { child } = await keptHolder(file)
    assert.equal(child.kill(), true, "kill() of a kept tree is not a no-op")
    assert.deepEqual(await waitAllGone(file), [])
  })

  test("keep: stop() after the exit ends the kept tree before it resolves", GUARD, async () => {
    const file = report()
    const { child } = await keptHolder(file)
    await proc.stop(child)
    assert.deepEqual(survivors(file), [])
  })

  test("keep: the backend's shutdown() ends the kept tree before it resolves", GUARD, async () => {
    const file = report()
    const own = createProcess({ backend: "supervisor" })
    const child = own.spawn(fixture(file, "hold-pipe"), { stdout: "pipe", drainTimeout: DRAIN_MS, leftovers: "keep", timeout: 200 })
    child.stdout!.resume()
    assert.equal(await child.exited, 0)
    assert.equal((await child.outcome).kept, true)
    assert.ok(survivors(file).length > 0, "nothing was kept alive after the call")
    await own.shutdown()
    assert.deepEqual(survivors(file), [], "shutdown() resolved with the kept tree still alive")
  })

  test("kill (default): the holder is gone when exited settles", GUARD, async () => {
    const file = report()
    const child = proc.spawn(fixture(file, "hold-pipe"), { stdout: "pipe", drainTimeout: DRAIN_MS })
    child.stdout!.resume()
    assert.equal(await child.exited, 0)
    const outcome = await (child as SupervisedChild).outcome
    assert.equal(outcome.kept, undefined)
    assert.ok(outcome.leftoverPids.length > 0)
    assert.deepEqual(survivors(file), [])
    assert.equal(child.kill(), false, "nothing is left to kill")
  })
})

describe("SupervisorSpawner.layer({ leftovers })", () => {
  const holdPipe = (file: string) => {
    const [program, ...rest] = fixture(file, "hold-pipe")
    return ChildProcess.make(program!, rest)
  }

  test("keep: exitCode at the leader's exit, holder alive after it, gone after handle.kill()", GUARD, async () => {
    const file = report()
    const left = await run(
      Effect.gen(function* () {
        const sp = yield* spawner
        const started = Date.now()
        const handle = yield* sp.spawn(holdPipe(file))
        const code = yield* handle.exitCode
        const took = Date.now() - started
        const holder = yield* promise(() => holderOf(file))
        assert.equal(code, 0)
        assert.ok(took < CALL_BOUND_MS, `exitCode took ${took} ms`)
        assert.ok(isAlive(holder), "the kept holder is not alive after exitCode")
        yield* handle.kill()
        return survivors(file)
      }),
      SupervisorSpawner.layer({ leftovers: "keep" }),
    )
    assert.deepEqual(left, [])
  })

  test("keep: a kept tree outlives its command's scope and ends with the layer", GUARD, async () => {
    const file = report()
    const holder = await run(
      Effect.gen(function* () {
        const sp = yield* spawner
        const code = yield* Effect.scoped(Effect.flatMap(sp.spawn(holdPipe(file)), (h) => h.exitCode))
        assert.equal(code, 0)
        const holder = yield* promise(() => holderOf(file))
        assert.ok(isAlive(holder), "the command's scope closing ended the kept tree")
        return holder
      }),
      SupervisorSpawner.layer({ leftovers: "keep" }),
    )
    assert.deepEqual(await waitAllGone(file), [], `the layer closed with the kept holder ${holder.pid} alive`)
  })

  test("scope (default): exitCode at the leader's exit, the holder alive until the command's scope closes", GUARD, async () => {
    const file = report()
    const left = await run(
      Effect.gen(function* () {
        const sp = yield* spawner
        const holder = yield* Effect.scoped(
          Effect.gen(function* () {
            const handle = yield* sp.spawn(holdPipe(file))
            assert.equal(yield* handle.exitCode, 0)
            const holder = yield* promise(() => holderOf(file))
            assert.ok(isAlive(holder), "the holder died before the command's scope closed")
            return holder
          }),
        )
        // The release has returned: it waits until the whole tree is gone.
        assert.ok(!isAlive(holder), "the command's scope closed with the holder alive")
        return survivors(file)
      }),
    )
    assert.deepEqual(left, [])
  })

  test("kill: the holder is gone at the drain bound, before the command's scope closes", GUARD, async () => {
    const file = report()
    const left = await run(
      Effect.gen(function* () {
        const sp = yield* spawner
        const handle = yield* sp.spawn(holdPipe(file))
        assert.equal(yield* handle.exitCode, 0)
        // The output ends at the drain bound, and the ladder has ended the holder by then.
        yield* Stream.runDrain(handle.stdout)
        return yield* promise(() => waitAllGone(file))
      }),
      SupervisorSpawner.layer({ leftovers: "kill", drainTimeout: Duration.millis(DRAIN_MS) }),
    )
    assert.deepEqual(left, [])
  })
})
