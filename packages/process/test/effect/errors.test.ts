import assert from "node:assert/strict"
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { describe, test } from "node:test"
import * as NodeChildProcessSpawner from "@effect/platform-node/NodeChildProcessSpawner"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as PlatformError from "effect/PlatformError"
import * as ChildProcess from "effect/process/ChildProcess"
import { ChildProcessSpawner } from "effect/process/ChildProcessSpawner"
import { SupervisorSpawner } from "../../src/effect/index.js"
import { GUARD } from "../support/backends.js"
import { fixture } from "../support/binaries.js"

/*
 * Spawn failures through the layer fail with the PlatformError Effect's own Node spawner
 * (@effect/platform-node 4.1.0) gives for the same failure: its reason, module, method and, for a spawn
 * error, Node's syscall. Effect's spawner is the reference, run beside the layer on every case.
 */
const nodeLayer = NodeChildProcessSpawner.layer.pipe(Layer.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)))

type Seen = { failed: { reason: string; module: string; method: string; syscall?: string } } | { died: string | undefined }

async function seen(layer: Layer.Layer<ChildProcessSpawner>, command: ChildProcess.Command): Promise<Seen> {
  const program = Effect.scoped(
    Effect.gen(function* () {
      const sp = yield* ChildProcessSpawner
      const handle = yield* sp.spawn(command)
      return yield* handle.exitCode
    }),
  )
  const exit = await Effect.runPromiseExit(Effect.provide(program, layer))
  assert.ok(Exit.isFailure(exit), "the spawn should fail")
  const err = Cause.findErrorOption(exit.cause)
  if (err._tag === "Some" && PlatformError.isPlatformError(err.value)) {
    const { reason } = err.value
    const syscall = "syscall" in reason && reason.syscall?.startsWith("spawn") ? { syscall: reason.syscall } : {}
    return { failed: { reason: reason._tag, module: reason.module, method: reason.method, ...syscall } }
  }
  const defect = Cause.squash(exit.cause) as { code?: string }
  return { died: defect?.code }
}

const dir = mkdtempSync(path.join(os.tmpdir(), "pawwork-effect-errors-"))
const aFile = path.join(dir, "a-file")
writeFileSync(aFile, "not a directory")
const notExecutable = path.join(dir, "not-executable")
writeFileSync(notExecutable, "#!/bin/sh\nexit 0\n")
chmodSync(notExecutable, 0o644)
const [fx, ...sleepArgs] = fixture(null, "sleep", "--ms", "1")

const same: Array<[string, ChildProcess.Command]> = [
  ["a missing command: NotFound", ChildProcess.make("pawwork-effect-errors-no-such-command", ["x"])],
  ["a missing cwd: NotFound (FileSystem.access)", ChildProcess.make(fx!, sleepArgs, { cwd: path.join(dir, "missing") })],
  ["permission denied: PermissionDenied", ChildProcess.make(notExecutable, [])],
  ["a NUL byte in an argument: BadArgument", ChildProcess.make(fx!, [...sleepArgs, "a\0b"])],
  ["a NUL byte in the command: BadArgument", ChildProcess.make("pawwork\0x", [])],
  ["a NUL byte in an environment value: BadArgument", ChildProcess.make(fx!, sleepArgs, { env: { PAWWORK_NUL: "x\0y" } })],
  ["a NUL byte in the cwd: BadArgument (FileSystem.access)", ChildProcess.make(fx!, sleepArgs, { cwd: `${dir}\0x` })],
]

describe("the layer's spawn failures are Effect's Node spawner's", () => {
  for (const [what, command] of same) {
    test(what, GUARD, async () => {
      const expected = await seen(nodeLayer, command)
      assert.ok("failed" in expected, `Effect's spawner fails with a PlatformError here: ${JSON.stringify(expected)}`)
      assert.deepEqual(await seen(SupervisorSpawner.layer(), command), expected)
    })
  }

  // docs/reference/adoption.md: where Effect's spawner dies (Node throws ENOTDIR from spawn() inside it), the layer
  // fails with a PlatformError a caller can catch, tagged as Effect tags ENOTDIR elsewhere.
  test("a file as cwd: Effect's spawner dies of ENOTDIR, the layer fails BadResource", GUARD, async () => {
    const command = ChildProcess.make(fx!, sleepArgs, { cwd: aFile })
    assert.deepEqual(await seen(nodeLayer, command), { died: "ENOTDIR" })
    assert.deepEqual(await seen(SupervisorSpawner.layer(), command), {
      failed: { reason: "BadResource", module: "ChildProcess", method: "spawn", syscall: "spawn" },
    })
  })
})
