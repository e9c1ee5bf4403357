// The two Effect backends of the comparison (src/effect/backends.ts) behind the Process API's shape: what the
// matrix's scenarios rely on, checked here on their own. Leaks are judged by pid and start time from the
// fixture's report file, so a recycled pid never reads as alive.
import assert from "node:assert/strict"
import { after, describe, test } from "node:test"
import { setTimeout as sleep } from "node:timers/promises"
import { createEffectProcess, type EffectBackendName } from "../../src/effect.js"
import type { ProcessApi } from "@pawwork/process"
import {
  GUARD,
  countPids,
  fixture,
  isAlive,
  killLeftovers,
  reportedPids,
  settledWithin,
  survivors,
  trackedReports,
  waitAllGone,
  waitForReport,
} from "@pawwork/harness/testing"

const BACKENDS: EffectBackendName[] = ["supervisor-effect", "effect"]
const apis = new Map<EffectBackendName, ProcessApi>(BACKENDS.map((b) => [b, createEffectProcess({ backend: b })]))
const report = trackedReports(...apis.values())
after(async () => {
  await Promise.all([...apis.values()].map((a) => a.shutdown()))
})

test("an unknown Effect backend is refused by name", () => {
  assert.throws(() => createEffectProcess({ backend: "effekt" as EffectBackendName }), /unknown Effect backend "effekt"/)
})

for (const name of BACKENDS) {
  const api = apis.get(name)!

  describe(`${name} behind the Process API`, () => {
    test("run() captures stdout, stderr and the exit code", GUARD, async () => {
      const out = await api.run(["sh", "-c", "printf out; printf err >&2; exit 3"], { nothrow: true })
      assert.deepEqual([out.code, out.stdout.toString(), out.stderr.toString()], [3, "out", "err"])
    })

    test("a signal death resolves `exited` with 1, and the exit event and signalCode name the signal", GUARD, async () => {
      const child = api.spawn(["sh", "-c", "kill -TERM $$"])
      const event = new Promise((resolve) => child.once("exit", (code, signal) => resolve([code, signal])))
      assert.equal(await child.exited, 1)
      assert.deepEqual(await event, [null, "SIGTERM"])
      assert.equal(child.signalCode, "SIGTERM")
    })

    test("a missing command rejects `exited` with ENOENT, with no unhandled error event", GUARD, async () => {
      const child = api.spawn(["pawwork-no-such-command"])
      await assert.rejects(child.exited, (err: Error & { code?: string }) => err.code === "ENOENT")
      assert.equal(await child.spawned, undefined)
      assert.equal((await child.outcome).reason, "spawn_failed")
    })

    test("the Process API's checks come first: an empty command, an aborted signal", () => {
      assert.throws(() => api.spawn([]), /Command is required/)
      assert.throws(() => api.spawn(["true"], { abort: AbortSignal.abort() }))
    })

    test("a stdin write to a child that never reads stays pending until the abort ends the reader", GUARD, async () => {
      const file = report()
      const abort = new AbortController()
      const child = api.spawn(fixture(file, "no-read-stdin"), { stdin: "pipe", abort: abort.signal, timeout: 200 })
      await waitForReport(file, countPids(1), "the reader")
      let settled = false
      child.stdin!.write(Buffer.alloc(8 * 2 ** 20), () => (settled = true))
      child.stdin!.on("error", () => {})
      await sleep(300)
      // The kernel pipe holds 64 KiB: an 8 MiB write cannot have been taken by a child that does not read.
      assert.equal(settled, false, "the write completed before the child read anything: back-pressure is hidden")
      abort.abort()
      await child.exited
      const done = await settledWithin(
        (async () => {
          while (!settled) await sleep(10)
        })(),
        5_000,
      )
      assert.notEqual(done, "pending", "the pending write never settled after the reader died")
    })

    test("an abort ends the whole tree: root, child and grandchild", GUARD, async () => {
      const file = report()
      const abort = new AbortController()
      const child = api.spawn(fixture(file, "tree", "--depth", "2", "--width", "1"), { abort: abort.signal, timeout: 300 })
      await waitForReport(file, countPids(3), "root, child, grandchild")
      abort.abort()
      await child.exited
      assert.deepEqual(await waitAllGone(file), [])
    })
  })
}

// The difference the matrix's daemon-escape fixture measures, stated as the mechanism: Effect's Node spawner
// signals the process group, which a setsid() daemon has left; the supervisor layer contains the tree.
test("an abort through supervisor-effect ends a setsid() daemon; through effect the daemon survives it", GUARD, async () => {
  for (const name of BACKENDS) {
    const file = report()
    const abort = new AbortController()
    const child = apis.get(name)!.spawn(fixture(file, "daemon"), { abort: abort.signal, timeout: 300 })
    await waitForReport(file, (lines) => lines.some((l) => l.kind === "pid" && l.role === "daemon"), "the daemon")
    abort.abort()
    await child.exited
    // The layer answers the cancel only when the tree is empty; Effect's kill polls the group, which the daemon
    // is not in: in both cases nothing more happens after this bound.
    await sleep(1_000)
    const daemon = reportedPids(file).filter((p) => p.role === "daemon")
    if (name === "supervisor-effect") assert.deepEqual(survivors(file), [], "supervisor-effect left a process")
    else assert.ok(daemon.length > 0 && daemon.every(isAlive), "effect: the daemon was expected to escape the group kill")
    killLeftovers(file)
  }
})

test("supervisor-effect passes the Process API's drainTimeout to its layer: a held pipe is cut and the holder ended", GUARD, async () => {
  const file = report()
  const api = apis.get("supervisor-effect")!
  const out = await settledWithin(
    api.run(fixture(file, "hold-pipe"), { drainTimeout: 300, timeout: 300, nothrow: true }),
    10_000,
  )
  assert.notEqual(out, "pending", "run() still waiting on a pipe the holder keeps open")
  assert.deepEqual(await waitAllGone(file), [])
})
