// The ChildProcessSpawner service on the supervisor (@pawwork/process/effect): the behaviours PawWork's
// own spawner suite checks, each against the real sidecar and fixture.
import assert from "node:assert/strict"
import { chmodSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { after, describe, test } from "node:test"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as ChildProcess from "effect/process/ChildProcess"
import { GUARD } from "../support/backends.js"
import { fixture } from "../support/binaries.js"
import { collect, failure, run, spawner, text } from "../support/effect.js"
import { pattern } from "../support/pattern.js"
import { reportedPids } from "../support/report.js"
import { trackedReports } from "../support/tracked-reports.js"

const report = trackedReports()
const dirs: string[] = []
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pawwork-effect-"))
  dirs.push(dir)
  return dir
}

const cmd = (args: string[], options?: ChildProcess.CommandOptions) => {
  const [program, ...rest] = fixture(null, ...args)
  return ChildProcess.make(program!, rest, options)
}

describe("SupervisorSpawner: output and exit", () => {
  test("stdout is captured", GUARD, async () => {
    const out = await run(Effect.gen(function* () {
      const sp = yield* spawner
      return yield* sp.string(cmd(["env", "PAWWORK_EFFECT_X"], { env: { PAWWORK_EFFECT_X: "hello" } }))
    }))
    assert.equal(out, "PAWWORK_EFFECT_X=hello\n")
  })

  test("several lines arrive as lines, in order", GUARD, async () => {
    const lines = await run(Effect.gen(function* () {
      const sp = yield* spawner
      return yield* sp.lines(cmd(["slow", "--chunk", "32", "--interval-ms", "5", "--count", "4"]))
    }))
    assert.deepEqual(lines, pattern(128).toString().trimEnd().split("\n"))
  })

  test("exit codes, zero and not", GUARD, async () => {
    const codes = await run(Effect.gen(function* () {
      const sp = yield* spawner
      return [yield* sp.exitCode(cmd(["exit", "--code", "0"])), yield* sp.exitCode(cmd(["exit", "--code", "7"]))]
    }))
    assert.deepEqual(codes, [0, 7])
  })

  test("a command is itself an Effect of its handle, through the provided layer", GUARD, async () => {
    const [pid, code] = await run(Effect.gen(function* () {
      const handle = yield* cmd(["exit", "--code", "3"])
      return [handle.pid, yield* handle.exitCode] as const
    }))
    assert.ok(Number.isInteger(pid) && pid > 1)
    assert.equal(code, 3)
  })

  test("stderr is captured, and stdout and stderr both at once", GUARD, async () => {
    const [err, out, both] = await run(Effect.gen(function* () {
      const sp = yield* spawner
      const failing = yield* sp.spawn(cmd(["stderr", "--text", "oops", "--code", "0"]))
      const err = yield* text(failing.stderr)
      // `flood --stream both` alternates 64 KiB chunks: only a consumer draining both at once finishes.
      const flood = yield* sp.spawn(cmd(["flood", "--bytes", String(512 * 1024), "--stream", "both"]))
      const both = yield* Effect.all([collect(flood.stdout), collect(flood.stderr)], { concurrency: 2 })
      return [err, yield* text(failing.stdout), both] as const
    }))
    assert.equal(err, "oops")
    assert.equal(out, "")
    assert.ok(both[0].equals(pattern(512 * 1024)), "stdout intact")
    assert.ok(both[1].equals(pattern(512 * 1024)), "stderr intact")
  })

  test("`all` carries whichever stream wrote", GUARD, async () => {
    const all = await run(Effect.gen(function* () {
      const sp = yield* spawner
      const handle = yield* sp.spawn(ChildProcess.make("echo to-out; echo to-err 1>&2", { shell: true }))
      return yield* text(handle.all)
    }))
    assert.deepEqual(all.split("\n").filter(Boolean).sort(), ["to-err", "to-out"])
  })

  test("isRunning follows the process", GUARD, async () => {
    const states = await run(Effect.gen(function* () {
      const sp = yield* spawner
      const handle = yield* sp.spawn(cmd(["sleep", "--ms", "300"]))
      const before = yield* handle.isRunning
      yield* handle.exitCode
      return [before, yield* handle.isRunning]
    }))
    assert.deepEqual(states, [true, false])
  })

  test("a signal death fails exitCode rather than reading as a code", GUARD, async () => {
    const err = await failure(Effect.gen(function* () {
      const sp = yield* spawner
      const handle = yield* sp.spawn(cmd(["exit", "--signal", "SIGKILL"]))
      return yield* handle.exitCode
    }))
    assert.match(err.message, /SIGKILL/)
  })
})

describe("SupervisorSpawner: cwd, env, shell, stdin", () => {
  test("cwd is used", GUARD, async () => {
    const dir = tempDir()
    const out = await run(Effect.gen(function* () {
      const sp = yield* spawner
      return yield* sp.string(cmd(["cwd"], { cwd: dir }))
    }))
    assert.equal(out.trim(), realpathSync(dir))
  })

  test("a missing cwd fails NotFound and starts nothing", GUARD, async () => {
    const file = report()
    const [program, ...rest] = fixture(file, "sleep")
    const err = await failure(Effect.gen(function* () {
      const sp = yield* spawner
      return yield* sp.spawn(ChildProcess.make(program!, rest, { cwd: path.join(tempDir(), "missing") }))
    }))
    assert.equal(err.reason._tag, "NotFound")
    assert.deepEqual(reportedPids(file), [])
  })

  test("env with extendEnv merges several variables over the host's", GUARD, async () => {
    process.env.PAWWORK_EFFECT_INHERITED = "kept"
    try {
      const [merged, replaced] = await run(Effect.gen(function* () {
        const sp = yield* spawner
        const names = ["PAWWORK_EFFECT_A", "PAWWORK_EFFECT_B", "PAWWORK_EFFECT_INHERITED"]
        const env = { PAWWORK_EFFECT_A: "1", PAWWORK_EFFECT_B: "two words" }
        const merged = yield* sp.lines(cmd(["env", ...names], { env, extendEnv: true }))
        // Effect's rule: `env` without extendEnv replaces the environment.
        const replaced = yield* sp.lines(cmd(["env", ...names], { env }))
        return [merged, replaced]
      }))
      assert.deepEqual(merged, ["PAWWORK_EFFECT_A=1", "PAWWORK_EFFECT_B=two words", "PAWWORK_EFFECT_INHERITED=kept"])
      assert.deepEqual(replaced, ["PAWWORK_EFFECT_A=1", "PAWWORK_EFFECT_B=two words"])
    } finally {
      delete process.env.PAWWORK_EFFECT_INHERITED
    }
  })

  test("shell runs the command string; shell with arguments is refused as Effect's spawner does", GUARD, async () => {
    const out = await run(Effect.gen(function* () {
      const sp = yield* spawner
      return yield* sp.string(ChildProcess.make("printf '%s-%s' a b", { shell: true }))
    }))
    assert.equal(out, "a-b")
    const err = await failure(Effect.gen(function* () {
      const sp = yield* spawner
      return yield* sp.spawn(ChildProcess.make("echo", ["x"], { shell: true }))
    }))
    assert.equal(err.reason._tag, "BadArgument")
  })

  test("stdin is fed from a stream, and from a string", GUARD, async () => {
    const big = pattern(3 * 1024 * 1024)
    const [fromBytes, fromString, fromSink] = await run(Effect.gen(function* () {
      const sp = yield* spawner
      // 3 MiB in 64 KiB chunks: more than the client keeps in flight (1 MiB), so stdin flow control runs.
      const chunks = Array.from({ length: big.length / 65536 }, (_, i) => big.subarray(i * 65536, (i + 1) * 65536))
      const a = yield* sp.spawn(cmd(["echo-stdin"], { stdin: Stream.fromIterable(chunks) }))
      const fromBytes = yield* collect(a.stdout)
      const b = yield* sp.spawn(cmd(["echo-stdin"], { stdin: Stream.encodeText(Stream.make("héllo ", "wörld\n")) }))
      const fromString = yield* text(b.stdout)
      // The handle's own stdin sink, run after the spawn.
      const c = yield* sp.spawn(cmd(["echo-stdin"]))
      yield* Stream.run(Stream.encodeText(Stream.make("via the sink")), c.stdin)
      return [fromBytes, fromString, yield* text(c.stdout)] as const
    }))
    assert.ok(fromBytes.equals(big), `stdin bytes intact (${fromBytes.length} of ${big.length})`)
    assert.equal(fromString, "héllo wörld\n")
    assert.equal(fromSink, "via the sink")
  })
})

describe("SupervisorSpawner: errors and refusals", () => {
  test("a missing command fails NotFound", GUARD, async () => {
    const err = await failure(Effect.gen(function* () {
      const sp = yield* spawner
      return yield* sp.spawn(ChildProcess.make("/nonexistent/pawwork-effect-missing", []))
    }))
    assert.equal(err._tag, "PlatformError")
    assert.equal(err.reason._tag, "NotFound")
    assert.match(err.message, /ENOENT/)
  })

  test("a file without the execute bit fails PermissionDenied (the sidecar's errno, EACCES)", GUARD, async () => {
    const file = path.join(tempDir(), "not-executable")
    writeFileSync(file, "#!/bin/sh\nexit 0\n")
    chmodSync(file, 0o644)
    const err = await failure(Effect.gen(function* () {
      const sp = yield* spawner
      return yield* sp.spawn(ChildProcess.make(file, []))
    }))
    assert.equal(err.reason._tag, "PermissionDenied")
  })

  test("an additionalFds key that names no descriptor from fd3 to fd255 is refused, and nothing starts", GUARD, async () => {
    const file = report()
    const [program, ...rest] = fixture(file, "sleep")
    for (const key of ["fd2", "fd256", "stdout"]) {
      const err = await failure(Effect.gen(function* () {
        const sp = yield* spawner
        const additionalFds = { [key]: { type: "output" } } as unknown as ChildProcess.CommandOptions["additionalFds"]
        return yield* sp.spawn(ChildProcess.make(program!, rest, { additionalFds }))
      }))
      assert.equal(err.reason._tag, "BadArgument", key)
      assert.match(err.message, new RegExp(`additionalFds: "${key}" names no descriptor`))
    }
    assert.deepEqual(reportedPids(file), [])
  })

  test("a pipe to or from something that is neither stdio nor a descriptor is refused", GUARD, async () => {
    for (const join of [{ to: "fd2" }, { from: "fd1" }] as ChildProcess.PipeOptions[]) {
      const err = await failure(Effect.gen(function* () {
        const sp = yield* spawner
        return yield* sp.spawn(cmd(["cwd"]).pipe(ChildProcess.pipeTo(cmd(["echo-stdin"]), join)))
      }))
      assert.equal(err.reason._tag, "BadArgument", JSON.stringify(join))
      assert.match(err.message, /pipeTo: cannot pipe/)
    }
  })
})
