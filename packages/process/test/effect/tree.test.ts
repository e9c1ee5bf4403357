// Whole trees through the Effect layer: kill(), the spawn's scope, the layer's scope and the host's death
// each end every process of a tree, grandchildren and setsid() daemons included. Leaks are judged by pid
// and start time from the fixture's report file (support/leaks.ts), so a recycled pid never reads as alive.
import assert from "node:assert/strict"
import { spawn } from "node:child_process"
import path from "node:path"
import { describe, test } from "node:test"
import { setTimeout as sleep } from "node:timers/promises"
import { fileURLToPath } from "node:url"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as ChildProcess from "effect/process/ChildProcess"
import { SupervisorSpawner } from "../../src/effect/index.js"
import { createProcess } from "../../src/index.js"
import { locateSupervisor } from "../../src/supervisor/locate.js"
import { GUARD } from "../support/backends.js"
import { fixture } from "../support/binaries.js"
import { promise, run, spawner } from "../support/effect.js"
import { isAlive, killLeftovers, survivors } from "../support/leaks.js"
import { countPids, readReport, reportedPids, waitForReport } from "../support/report.js"
import { trackedReports } from "../support/tracked-reports.js"

const report = trackedReports()

const cmd = (file: string, args: string[], options?: ChildProcess.CommandOptions) => {
  const [program, ...rest] = fixture(file, ...args)
  return ChildProcess.make(program!, rest, options)
}

/** `tree --depth 2 --width 1`: root, child, grandchild. `daemon`: root, setsid() child (gone), daemon. */
const TREE = ["tree", "--depth", "2", "--width", "1"]
const DAEMON = ["daemon"]
const daemonReady = (lines: ReturnType<typeof readReport>) => lines.some((l) => l.kind === "pid" && l.role === "daemon")

/** Spawns TREE and DAEMON on the layer and waits until every member they start has reported. */
const treeAndDaemon = (tree: string, daemon: string, options?: ChildProcess.CommandOptions) =>
  Effect.gen(function* () {
    const sp = yield* spawner
    const a = yield* sp.spawn(cmd(tree, TREE, options))
    const b = yield* sp.spawn(cmd(daemon, DAEMON, options))
    yield* promise(() => waitForReport(tree, countPids(3), "root, child, grandchild"))
    yield* promise(() => waitForReport(daemon, daemonReady, "the daemon"))
    return [a, b] as const
  })

describe("SupervisorSpawner: ending trees", () => {
  test("kill() ends the whole tree, grandchild and setsid() daemon included, before it returns", GUARD, async () => {
    const [tree, daemon] = [report(), report()]
    const left = await run(Effect.gen(function* () {
      // detached: true as PawWork's bash tool passes it on Unix: accepted, and the tree is still contained.
      const [a, b] = yield* treeAndDaemon(tree, daemon, { detached: true })
      yield* a.kill()
      yield* b.kill()
      // The sidecar answers a cancel with `exit` only once every member is gone and reaped: no waiting here.
      return [...survivors(tree), ...survivors(daemon)]
    }))
    assert.deepEqual(left, [])
    assert.ok(reportedPids(daemon).some((p) => p.role === "daemon"))
  })

  test("Process.terminateTree({ pid: handle.pid }), the bash tool's abort path, ends the layer's whole tree", GUARD, async () => {
    const [tree, daemon] = [report(), report()]
    const proc = createProcess({ backend: "supervisor" })
    try {
      const left = await run(Effect.gen(function* () {
        const [a, b] = yield* treeAndDaemon(tree, daemon, { detached: true })
        // The daemon left the root's descendants (setsid, re-parented to the layer's sidecar): only the
        // sidecar that contains the tree can find it, so terminateTree must reach that one.
        yield* promise(() => proc.terminateTree({ pid: a.pid }))
        yield* promise(() => proc.terminateTree({ pid: b.pid }))
        return [...survivors(tree), ...survivors(daemon), ...(yield* a.isRunning) ? ["a running"] : [], ...(yield* b.isRunning) ? ["b running"] : []]
      }))
      assert.deepEqual(left, [])
    } finally {
      await proc.shutdown()
    }
  })

  test("closing the spawn's scope ends the whole tree, grandchild and daemon included", GUARD, async () => {
    const [tree, daemon] = [report(), report()]
    const left = await run(Effect.gen(function* () {
      yield* Effect.scoped(treeAndDaemon(tree, daemon))
      return [...survivors(tree), ...survivors(daemon)]
    }))
    assert.deepEqual(left, [])
  })

  test("kill({ killSignal }) sends that signal to every member", GUARD, async () => {
    const file = report()
    await run(Effect.gen(function* () {
      const sp = yield* spawner
      const handle = yield* sp.spawn(cmd(file, ["trap", "--depth", "1", "--width", "2", "--exit-on-signal"]))
      yield* promise(() => waitForReport(file, countPids(3), "root and 2 children"))
      yield* handle.kill({ killSignal: "SIGINT" })
    }))
    const signalled = readReport(file).filter((l) => l.kind === "signal" && l.signal === "SIGINT")
    assert.equal(signalled.length, 3, JSON.stringify(readReport(file)))
    assert.deepEqual(survivors(file), [])
  })

  test("forceKillAfter escalates to SIGKILL for a tree that ignores SIGTERM", GUARD, async () => {
    const file = report()
    const { elapsed, err } = await run(Effect.gen(function* () {
      const sp = yield* spawner
      const handle = yield* sp.spawn(cmd(file, ["ignore-term", "--children", "1"]))
      yield* promise(() => waitForReport(file, countPids(2), "root and child"))
      const started = Date.now()
      yield* handle.kill({ forceKillAfter: Duration.millis(300) })
      const elapsed = Date.now() - started
      return { elapsed, err: yield* Effect.flip(handle.exitCode) }
    }))
    // At least the grace (SIGTERM was ignored), and far below the layer's 5 s default.
    assert.ok(elapsed >= 280 && elapsed < 3_000, `took ${elapsed} ms`)
    assert.match(err.message, /SIGKILL/)
    assert.deepEqual(survivors(file), [])
  })

  test("without forceKillAfter, the command's forceKillAfter is the ladder's grace", GUARD, async () => {
    const file = report()
    const elapsed = await run(Effect.gen(function* () {
      const sp = yield* spawner
      const handle = yield* sp.spawn(cmd(file, ["ignore-term"], { forceKillAfter: Duration.millis(200) }))
      yield* promise(() => waitForReport(file, countPids(1), "root"))
      const started = Date.now()
      yield* handle.kill()
      return Date.now() - started
    }))
    assert.ok(elapsed >= 180 && elapsed < 3_000, `took ${elapsed} ms`)
    assert.deepEqual(survivors(file), [])
  })

  test("without any forceKillAfter, a leader that ignores SIGTERM is ended at the layer's bound", GUARD, async () => {
    // Effect's Node spawner waits for such a leader without end; the layer's forceKillAfter bounds it.
    const file = report()
    const elapsed = await run(
      Effect.gen(function* () {
        const sp = yield* spawner
        const handle = yield* sp.spawn(cmd(file, ["ignore-term", "--children", "1"]))
        yield* promise(() => waitForReport(file, countPids(2), "root and child"))
        const started = Date.now()
        yield* handle.kill()
        return Date.now() - started
      }),
      SupervisorSpawner.layer({ forceKillAfter: Duration.millis(400) }),
    )
    assert.ok(elapsed >= 380 && elapsed < 3_000, `took ${elapsed} ms`)
    assert.deepEqual(survivors(file), [])
  })

  test("an unref'd tree outlives its spawn's scope, and ends when the layer's scope closes", GUARD, async () => {
    const file = report()
    const aliveAfterScope = await run(Effect.gen(function* () {
      const sp = yield* spawner
      yield* Effect.scoped(Effect.gen(function* () {
        const handle = yield* sp.spawn(cmd(file, TREE))
        yield* promise(() => waitForReport(file, countPids(3), "root, child, grandchild"))
        yield* handle.unref
      }))
      return survivors(file).length
    }))
    assert.equal(aliveAfterScope, 3)
    // run() has returned: the layer's finalizer sent `shutdown` and waited for the sidecar to exit.
    assert.deepEqual(survivors(file), [])
  })

  test("after the layer's scope has closed, a spawn fails with a PlatformError and starts nothing", GUARD, async () => {
    const file = report()
    const err = await Effect.runPromise(Effect.gen(function* () {
      const scope = yield* Scope.make()
      const service = yield* SupervisorSpawner.make().pipe(Scope.provide(scope))
      yield* Scope.close(scope, Exit.void)
      return yield* Effect.flip(Effect.scoped(service.spawn(cmd(file, ["sleep"]))))
    }))
    assert.equal(err._tag, "PlatformError")
    assert.match(err.message, /layer has been closed/)
    assert.deepEqual(reportedPids(file), [])
  })
})

const entry = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/effect/index.js")

test("SIGKILL of the host leaves no process of any tree: the sidecar reads stdin EOF and runs the ladder", { timeout: 30_000 }, async () => {
  const files = [report(), report(), report()]
  const argvs = [fixture(files[0]!, ...TREE), fixture(files[1]!, ...DAEMON), fixture(files[2]!, "ignore-term", "--children", "1")]
  // The host: builds the layer, spawns every tree in a scope that never closes, then waits to be killed.
  const host = spawn(
    process.execPath,
    [
      ...(process.versions.bun ? [] : ["--input-type=module"]),
      "-e",
      `import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
       import * as Duration from "effect/Duration"
       import * as ChildProcess from "effect/process/ChildProcess"
       import { ChildProcessSpawner } from "effect/process/ChildProcessSpawner"
       import { SupervisorSpawner } from ${JSON.stringify(entry)}
       const program = Effect.gen(function* () {
         const sp = yield* ChildProcessSpawner
         for (const [program, ...args] of ${JSON.stringify(argvs)})
           yield* sp.spawn(ChildProcess.make(program, args, { forceKillAfter: Duration.millis(500) }))
         console.log("spawned")
         yield* Effect.never
       })
       Effect.runFork(Effect.scoped(program).pipe(Effect.provide(SupervisorSpawner.layer({ supervisorPath: ${JSON.stringify(locateSupervisor())} }))))`,
    ],
    { stdio: ["ignore", "pipe", "inherit"], cwd: path.dirname(entry) },
  )
  try {
    await new Promise<void>((resolve, reject) => {
      host.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("spawned") && resolve())
      host.once("exit", (code) => reject(new Error(`host exited early (${code})`)))
    })
    await waitForReport(files[0]!, countPids(3), "tree")
    await waitForReport(files[1]!, daemonReady, "daemon")
    await waitForReport(files[2]!, countPids(2), "ignore-term root and child")
    // Everything alive before the host dies, but the daemon's setsid() intermediate, which exits by design.
    const members = files.flatMap((f, i) => reportedPids(f).filter((p) => !(i === 1 && p.role === "child")))
    assert.equal(members.length, 3 + 2 + 2)
    assert.ok(members.every(isAlive), "every member alive before the host dies")
    host.kill("SIGKILL")
    // The ladder's grace is 500 ms; allow it plus one second, as the supervisor backend's host-death test.
    const deadline = Date.now() + 1_500
    let left = files.flatMap(survivors)
    while (left.length > 0 && Date.now() < deadline) {
      await sleep(25)
      left = files.flatMap(survivors)
    }
    assert.deepEqual(left, [])
  } finally {
    host.kill("SIGKILL")
    for (const f of files) killLeftovers(f)
  }
})
