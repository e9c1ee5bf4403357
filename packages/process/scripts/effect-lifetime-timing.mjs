#!/usr/bin/env node
// The timings docs/reference/adoption.md quotes for the Effect layer's lifetime model, beside Effect's own Node
// spawner: a release whose descendant ignores SIGTERM and holds the pipe (and whether it survived), a
// release with unread stdout (1 MiB and 8 MiB), and when exitCode and the end of stdout come for a leader
// that exits at once while its holder keeps stdout. Needs `npm run build` and the release binaries
// (`cargo build --release`). Usage: node packages/process/scripts/effect-lifetime-timing.mjs [--runs N]
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import path from "node:path"
import { fileURLToPath } from "node:url"
import * as NodeChildProcessSpawner from "@effect/platform-node/NodeChildProcessSpawner"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as ChildProcess from "effect/process/ChildProcess"
import { SupervisorSpawner } from "../dist/effect/index.js"

const runsAt = process.argv.indexOf("--runs")
const runs = runsAt === -1 ? 7 : Number(process.argv[runsAt + 1])
const fixture = fileURLToPath(new URL("../../../target/release/pawwork-fixture", import.meta.url))
const layers = {
  "supervisor-effect": SupervisorSpawner.layer(),
  effect: NodeChildProcessSpawner.layer.pipe(Layer.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer))),
}

/** Running and not a zombie: a SIGKILLed orphan waits for its reaper a moment. */
function running(pid) {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"))
  } catch {
    return false
  }
}

/** The holder's pid once its report line says it ignores SIGTERM (the fixture writes it after that). */
const holderPid = (report) =>
  Effect.promise(async () => {
    for (;;) {
      const line = existsSync(report) ? readFileSync(report, "utf8").split("\n").find((l) => l.includes('"kind":"pid"')) : undefined
      if (line) return JSON.parse(line).pid
      await new Promise((r) => setTimeout(r, 10))
    }
  })

const holderRelease = (layer) =>
  Effect.runPromise(Effect.scoped(Effect.gen(function* () {
    const dir = mkdtempSync(path.join(tmpdir(), "pawwork-timing-"))
    const report = path.join(dir, "report")
    const scope = yield* Scope.make()
    yield* ChildProcess.make("sh", ["-c", `'${fixture}' --report '${report}' ignore-term & wait`], { stdin: "ignore" }).pipe(Scope.provide(scope))
    const pid = yield* holderPid(report)
    const t = Date.now()
    yield* Scope.close(scope, Exit.void)
    const took = Date.now() - t
    const survived = running(pid)
    if (survived) process.kill(pid, "SIGKILL")
    rmSync(dir, { recursive: true, force: true })
    return { took, survived }
  })).pipe(Effect.provide(layer)))

const unreadRelease = (layer, mib) =>
  Effect.runPromise(Effect.gen(function* () {
    let t = 0
    yield* Effect.scoped(Effect.gen(function* () {
      const script = `process.stdout.write("x".repeat(${mib} * 1024 * 1024)); setInterval(() => {}, 1000)`
      yield* ChildProcess.make(process.execPath, ["-e", script], { stdin: "ignore" })
      yield* Effect.sleep("500 millis")
      t = Date.now()
    }))
    return Date.now() - t
  }).pipe(Effect.provide(layer)))

const holdPipe = (layer) =>
  Effect.runPromise(Effect.scoped(Effect.gen(function* () {
    const t = Date.now()
    const h = yield* ChildProcess.make(fixture, ["hold-pipe", "--ms", "4000"])
    const out = yield* Effect.forkChild(Stream.runDrain(h.stdout).pipe(Effect.map(() => Date.now() - t)))
    yield* h.exitCode
    return `${Date.now() - t}/${yield* Fiber.join(out)}`
  })).pipe(Effect.provide(layer)))

const range = (xs) => `${Math.min(...xs)}-${Math.max(...xs)} ms`
for (const [name, layer] of Object.entries(layers)) {
  const holder = []
  for (let i = 0; i < runs; i++) holder.push(await holderRelease(layer))
  const small = []
  const big = []
  for (let i = 0; i < runs; i++) small.push(await unreadRelease(layer, 1))
  for (let i = 0; i < runs; i++) big.push(await unreadRelease(layer, 8))
  const held = []
  for (let i = 0; i < runs; i++) held.push(await holdPipe(layer))
  console.log(`${name}:`)
  console.log(`  release, SIGTERM-ignoring pipe holder: ${range(holder.map((h) => h.took))}; holder alive after: ${holder.filter((h) => h.survived).length} of ${runs}`)
  console.log(`  release, unread stdout: 1 MiB ${range(small)}; 8 MiB ${range(big)}`)
  console.log(`  hold-pipe (holder for 4 s), exitCode/stdout end from the spawn: ${held.join(" ")}`)
}
console.log(`1-minute load average at the end: ${loadavg()[0].toFixed(2)}`)
