// Effect's own contract for a ChildProcessSpawner, checked on SupervisorSpawner.layer: each test is one point
// that Effect's test suites for its spawner check (the shared suite and the Node spawner's own), written here
// from what the point promises. docs/reference/adoption.md maps every upstream test to the test here (or in
// spawner, pipeline or tree.test.ts beside this file) that covers it, and names the two that test Effect's internals.
// Descendants are fixture processes, judged by pid and start time (support/leaks.ts).
import assert from "node:assert/strict"
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { after, describe, test } from "node:test"
import { setTimeout as sleep } from "node:timers/promises"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/testing/TestClock"
import * as ChildProcess from "effect/process/ChildProcess"
import { ExitCode } from "effect/process/ChildProcessSpawner"
import { GUARD } from "../support/backends.js"
import { fixture } from "../support/binaries.js"
import { promise, run, spawner, text } from "../support/effect.js"
import { isAlive, survivors, waitAllGone } from "../support/leaks.js"
import { countPids, readReport, reportedPids, waitForReport } from "../support/report.js"
import { trackedReports } from "../support/tracked-reports.js"

const report = trackedReports()
const dirs: string[] = []
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pawwork-contract-"))
  dirs.push(dir)
  return dir
}

const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`
const sh = (script: string, options?: ChildProcess.CommandOptions) => ChildProcess.make("sh", ["-c", script], options)
/** A fixture command line for a shell script, reporting to `file`. */
const fx = (file: string, ...args: string[]) => fixture(file, ...args).map(quote).join(" ")
const fxCmd = (file: string, args: string[], options?: ChildProcess.CommandOptions) => {
  const [program, ...rest] = fixture(file, ...args)
  return ChildProcess.make(program!, rest, options)
}
/** The stream as text, trimmed, as the upstream suite compares it. */
const trimmed = (stream: Parameters<typeof text>[0]) => Effect.map(text(stream), (s) => s.trim())
const wait = (ms: number) => promise(() => sleep(ms))
const bytes = (s: string) => Stream.make(new TextEncoder().encode(s))
const rootOf = (file: string) => reportedPids(file).find((p) => p.role === "root")!
const signalsOf = (file: string, pid: number) => readReport(file).flatMap((l) => (l.kind === "signal" && l.pid === pid ? [l.signal] : []))

describe("contract: output and exit", () => {
  test("stdout from the array, template and options forms, with the exit code, zero or not", GUARD, async () => {
    const got = await run(Effect.gen(function* () {
      const name = "world"
      const args = ["-a"]
      const dir = tempDir()
      writeFileSync(path.join(dir, "listed.txt"), "x")
      const handles = [
        yield* sh("printf portable"),
        yield* ChildProcess.make("echo", ["hello", "world"]),
        yield* ChildProcess.make`echo hello ${name} count ${42}`,
        yield* ChildProcess.make`ls ${args} ${dir}`,
        yield* ChildProcess.make({ cwd: "/tmp" })`pwd`,
      ]
      const outs: string[] = []
      for (const h of handles) {
        outs.push(yield* trimmed(h.stdout))
        assert.equal(yield* h.exitCode, ExitCode(0))
      }
      const failing = yield* sh("exit 1")
      return { outs, code: yield* failing.exitCode }
    }))
    assert.deepEqual(got.outs.slice(0, 3), ["portable", "hello world", "hello world count 42"])
    assert.ok(got.outs[3]!.includes("listed.txt"), got.outs[3])
    assert.ok(got.outs[4]!.includes("tmp"), got.outs[4])
    assert.equal(got.code, ExitCode(1))
  })

  test("stdout and stderr read together, each whole, whichever writes more or nothing", GUARD, async () => {
    const pairs = await run(Effect.gen(function* () {
      const scripts = [
        "echo line1; echo line2; echo line3; echo err >&2",
        "echo out; echo err1 >&2; echo err2 >&2; echo err3 >&2",
        "echo only-out",
        "echo only-err >&2",
      ]
      const pairs: Array<[string, string]> = []
      for (const script of scripts) {
        const h = yield* sh(script)
        pairs.push(yield* Effect.all([trimmed(h.stdout), trimmed(h.stderr)], { concurrency: "unbounded" }))
        assert.equal(yield* h.exitCode, ExitCode(0))
      }
      return pairs
    }))
    assert.deepEqual(pairs, [
      ["line1\nline2\nline3", "err"],
      ["out", "err1\nerr2\nerr3"],
      ["only-out", ""],
      ["", "only-err"],
    ])
  })

  test("`all` carries both streams' lines, each stream's in its order, or one stream alone", GUARD, async () => {
    const [mixed, outOnly, errOnly] = await run(Effect.gen(function* () {
      const mixed = yield* sh("for i in 1 2 3 4 5; do echo out$i; sleep 0.01; echo err$i >&2; sleep 0.01; done")
      const outOnly = yield* ChildProcess.make("echo", ["from stdout"])
      const errOnly = yield* sh("echo from stderr >&2")
      return [yield* trimmed(mixed.all), yield* trimmed(outOnly.all), yield* trimmed(errOnly.all)]
    }))
    const lines = mixed.split("\n")
    assert.equal(lines.length, 10, mixed)
    assert.deepEqual(lines.filter((l) => l.startsWith("out")), ["out1", "out2", "out3", "out4", "out5"])
    assert.deepEqual(lines.filter((l) => l.startsWith("err")), ["err1", "err2", "err3", "err4", "err5"])
    assert.equal(outOnly, "from stdout")
    assert.equal(errOnly, "from stderr")
  })

  test("a large output does not stall while `all` goes unread, nor through the `string` helper", GUARD, async () => {
    const [direct, helper] = await run(Effect.gen(function* () {
      const h = yield* sh("seq 1 100000")
      const direct = yield* trimmed(h.stdout)
      assert.equal(yield* h.exitCode, ExitCode(0))
      const sp = yield* spawner
      return [direct, (yield* sp.string(sh("seq 1 100000"))).trim()]
    }))
    for (const out of [direct, helper]) {
      const lines = out.split("\n")
      assert.deepEqual([lines.length, lines[0], lines[99_999]], [100_000, "1", "100000"])
    }
  })
})

describe("contract: environment and shell", () => {
  test("variables reach a shell that expands them; without a shell nothing is expanded; a shell pipeline runs", GUARD, async () => {
    const outs = await run(Effect.gen(function* () {
      const env = { PAWWORK_C1: "one", PAWWORK_C2: "two" }
      const expanded = yield* sh("echo $PAWWORK_C1-$PAWWORK_C2", { env, extendEnv: true })
      const literal = yield* ChildProcess.make("echo", ["$HOME"], { shell: false })
      const piped = yield* sh("echo hello | tr a-z A-Z")
      const merged = yield* sh("echo $PAWWORK_C1-$PAWWORK_C2-$PAWWORK_C3", { env, extendEnv: true }).pipe(
        ChildProcess.setEnv({ PAWWORK_C2: "override", PAWWORK_C3: "three" }),
      )
      return [yield* trimmed(expanded.stdout), yield* trimmed(literal.stdout), yield* trimmed(piped.stdout), yield* trimmed(merged.stdout)]
    }))
    assert.deepEqual(outs, ["one-two", "$HOME", "HELLO", "one-override-three"])
  })
})

describe("contract: start failures", () => {
  test("a missing command, a missing cwd and a file without the execute bit each fail the spawn", GUARD, async () => {
    const dir = tempDir()
    const script = path.join(dir, "no-permissions.sh")
    writeFileSync(script, "#!/bin/sh\necho never\n")
    chmodSync(script, 0o644)
    const [missing, badCwd, denied] = await run(Effect.gen(function* () {
      return [
        yield* Effect.exit(ChildProcess.make("nonexistent-command-pawwork")),
        yield* Effect.exit(ChildProcess.make("echo", ["test"], { cwd: "/nonexistent/directory/path" })),
        yield* Effect.flip(ChildProcess.make({ cwd: dir })`./no-permissions.sh`),
      ] as const
    }))
    assert.ok(Exit.isFailure(missing) && Exit.isFailure(badCwd))
    assert.deepEqual([denied.reason._tag, denied.reason.module, denied.reason.method], ["PermissionDenied", "ChildProcess", "spawn"])
  })
})

describe("contract: additionalFds", () => {
  test("an output descriptor is read with getOutputFd", GUARD, async () => {
    const [out, code] = await run(Effect.gen(function* () {
      const h = yield* sh("echo 'hello from fd3' >&3", { additionalFds: { fd3: { type: "output" } } })
      return [yield* trimmed(h.getOutputFd(3)), yield* h.exitCode] as const
    }))
    assert.deepEqual([out, code], ["hello from fd3", ExitCode(0)])
  })

  test("an input descriptor is fed from its configured stream, and ends with it", GUARD, async () => {
    const out = await run(Effect.gen(function* () {
      const h = yield* sh("cat <&3", { additionalFds: { fd3: { type: "input", stream: bytes("data from parent") } } })
      assert.equal(yield* h.exitCode, ExitCode(0))
      return yield* trimmed(h.stdout)
    }))
    assert.equal(out, "data from parent")
  })

  test("several descriptors, with a gap between them, each carry their own bytes", GUARD, async () => {
    const outs = await run(Effect.gen(function* () {
      const both = yield* sh("echo 'on fd3' >&3; echo 'on fd4' >&4", { additionalFds: { fd3: { type: "output" }, fd4: { type: "output" } } })
      const gap = yield* sh("echo 'on fd3' >&3; echo 'on fd5' >&5; (echo x >&4) 2>/dev/null || echo 'fd4 closed'", {
        additionalFds: { fd3: { type: "output" }, fd5: { type: "output" } },
      })
      return [yield* trimmed(both.getOutputFd(3)), yield* trimmed(both.getOutputFd(4)), yield* trimmed(gap.getOutputFd(3)), yield* trimmed(gap.getOutputFd(5)), yield* trimmed(gap.stdout)]
    }))
    assert.deepEqual(outs, ["on fd3", "on fd4", "on fd3", "on fd5", "fd4 closed"])
  })

  test("an unconfigured descriptor reads as an empty stream and writes into a draining sink", GUARD, async () => {
    const [out, code] = await run(Effect.gen(function* () {
      const h = yield* ChildProcess.make("echo", ["test"])
      yield* Stream.run(bytes("dropped"), h.getInputFd(3))
      return [yield* trimmed(h.getOutputFd(3)), yield* h.exitCode] as const
    }))
    assert.deepEqual([out, code], ["", ExitCode(0)])
  })

  test("an input and an output descriptor together: bytes in on one, answer out on the other", GUARD, async () => {
    const out = await run(Effect.gen(function* () {
      const h = yield* sh("cat <&3 | tr a-z A-Z >&4", {
        additionalFds: { fd3: { type: "input", stream: bytes("hello") }, fd4: { type: "output" } },
      })
      return yield* trimmed(h.getOutputFd(4))
    }))
    assert.equal(out, "HELLO")
  })

  test("a descriptor beside stdin, stdout and stderr, all read at once", GUARD, async () => {
    const outs = await run(Effect.gen(function* () {
      const h = yield* sh("echo stdout; echo stderr >&2; echo fd3 >&3", { additionalFds: { fd3: { type: "output" } } })
      return yield* Effect.all([trimmed(h.stdout), trimmed(h.stderr), trimmed(h.getOutputFd(3))], { concurrency: "unbounded" })
    }))
    assert.deepEqual(outs, ["stdout", "stderr", "fd3"])
  })

  test("a duplex descriptor piped into stays duplex: the answer comes back on it after the input's end", GUARD, async () => {
    const [answer, code] = await run(Effect.gen(function* () {
      const h = yield* ChildProcess.make("echo", ["ping"]).pipe(
        ChildProcess.pipeTo(sh(`req=$(cat <&3); echo "pong:$req" >&3`, { additionalFds: { fd3: { type: "duplex" } } }), { to: "fd3" }),
      )
      return [yield* trimmed(h.getOutputFd(3)), yield* h.exitCode] as const
    }))
    assert.deepEqual([answer, code], ["pong:ping", ExitCode(0)])
  })

  test("a failed write on a duplex descriptor fails a later read of it, with no uncaught error", GUARD, async () => {
    const uncaught: unknown[] = []
    const onUncaught = (err: unknown) => uncaught.push(err)
    process.on("uncaughtException", onUncaught)
    try {
      const [writeError, readError] = await run(Effect.gen(function* () {
        const h = yield* sh("exec 3>&-; echo ready; exec sleep 10", { additionalFds: { fd3: { type: "duplex" } } })
        yield* Stream.runDrain(Stream.take(h.stdout, 1))
        const writeError = yield* Effect.flip(Stream.run(bytes("request"), h.getInputFd(3)))
        yield* wait(100)
        const readError = yield* Effect.flip(Stream.runDrain(h.getOutputFd(3)))
        return [writeError, readError]
      }))
      assert.equal(writeError._tag, "PlatformError")
      assert.equal(readError._tag, "PlatformError")
      assert.deepEqual(uncaught, [])
    } finally {
      process.off("uncaughtException", onUncaught)
    }
  })

  test("a pipe from an output descriptor feeds the next stage's stdin", GUARD, async () => {
    const out = await run(Effect.gen(function* () {
      const h = yield* sh("echo via-fd3 >&3; echo not-this", { additionalFds: { fd3: { type: "output" } } }).pipe(
        ChildProcess.pipeTo(ChildProcess.make("cat", []), { from: "fd3" }),
      )
      return yield* trimmed(h.stdout)
    }))
    assert.equal(out, "via-fd3")
  })
})

describe("contract: kill and the scope's release", () => {
  test("kill() fails exitCode, with the default signal and with SIGKILL", GUARD, async () => {
    const exits = await run(Effect.gen(function* () {
      const a = yield* ChildProcess.make("sleep", ["10"])
      yield* a.kill()
      const b = yield* ChildProcess.make("sleep", ["10"])
      yield* b.kill({ killSignal: "SIGKILL" })
      return [yield* Effect.exit(a.exitCode), yield* Effect.exit(b.exitCode)]
    }))
    assert.ok(exits.every(Exit.isFailure))
  })

  test("kill({ forceKillAfter }) escalates for a process that ignores SIGTERM; it is not running after", GUARD, async () => {
    const ready = path.join(tempDir(), "ready")
    const [running, exit] = await run(Effect.gen(function* () {
      const h = yield* sh(`trap '' TERM; : > ${quote(ready)}; exec cat`, { killSignal: "SIGKILL", stdin: "pipe", stdout: "ignore", stderr: "ignore" })
      yield* promise(() => until(() => existsSync(ready), "the trap"))
      yield* h.kill({ killSignal: "SIGTERM", forceKillAfter: "50 millis" })
      return [yield* h.isRunning, yield* Effect.exit(h.exitCode)] as const
    }))
    assert.equal(running, false)
    assert.ok(Exit.isFailure(exit))
  })

  test("closing the scope ends a SIGTERM-ignoring process after the command's forceKillAfter", GUARD, async () => {
    const ready = path.join(tempDir(), "ready")
    const took = await run(Effect.gen(function* () {
      const scope = yield* Scope.make()
      yield* sh(`trap '' TERM; : > ${quote(ready)}; sleep 2`, { killSignal: "SIGTERM", forceKillAfter: "50 millis", stdout: "ignore", stderr: "ignore" }).pipe(
        Scope.provide(scope),
      )
      yield* promise(() => until(() => existsSync(ready), "the trap"))
      const started = Date.now()
      yield* Scope.close(scope, Exit.void)
      return Date.now() - started
    }))
    // Upstream's bound for the whole run; here for the release alone (the ladder's 50 ms, then SIGKILL).
    assert.ok(took < 1_000, `the release took ${took} ms`)
  })

  test("kill() ends every process of a seven-process tree before it returns", GUARD, async () => {
    const file = report()
    const [before, after, left] = await run(Effect.gen(function* () {
      const h = yield* fxCmd(file, ["tree", "--depth", "2", "--width", "2"])
      yield* promise(() => waitForReport(file, countPids(7), "seven processes"))
      const before = yield* h.isRunning
      yield* h.kill()
      return [before, yield* h.isRunning, survivors(file)] as const
    }))
    assert.deepEqual([before, after, left], [true, false, []])
  })

  test("a leader that exits non-zero leaves nothing of its tree once its scope is closed", GUARD, async () => {
    const file = report()
    const code = await run(Effect.gen(function* () {
      return yield* Effect.scoped(Effect.gen(function* () {
        const h = yield* sh(`${fx(file, "tree", "--depth", "1", "--width", "3")} & sleep 0.3; exit 1`)
        return yield* h.exitCode
      }))
    }))
    assert.equal(code, ExitCode(1))
    assert.ok(reportedPids(file).length === 4, JSON.stringify(reportedPids(file)))
    assert.deepEqual(survivors(file), [])
  })
})

/** A shell leader whose descendant (a fixture, reporting to `file`) inherits its stdio and outlives it. */
const leaderWith = (file: string, descendant: string[], leaderTail: string, options?: ChildProcess.CommandOptions) =>
  sh(`${fx(file, ...descendant)} & ${leaderTail}`, { stdin: "ignore", ...options })

describe("contract: the leader's exit and the tree's lifetime", () => {
  test("exitCode settles at the leader's exit; its descendant lives on until the release ends it", GUARD, async () => {
    const file = report()
    const seen = await run(Effect.gen(function* () {
      const scope = yield* Scope.make()
      const h = yield* leaderWith(file, ["trap", "--exit-on-signal"], 'read code; exit "$code"', { stdin: "pipe" }).pipe(Scope.provide(scope))
      yield* promise(() => waitForReport(file, countPids(1), "the descendant"))
      yield* Stream.run(bytes("0\n"), h.stdin)
      const code = yield* h.exitCode
      const aliveAfterExit = isAlive(rootOf(file))
      yield* Scope.close(scope, Exit.void)
      return { code, aliveAfterExit, signals: signalsOf(file, rootOf(file).pid), left: survivors(file) }
    }))
    assert.deepEqual(seen, { code: ExitCode(0), aliveAfterExit: true, signals: ["SIGTERM"], left: [] })
  })

  test("a leader killed from outside fails exitCode; its descendant survives until the release", GUARD, async () => {
    const file = report()
    const seen = await run(Effect.gen(function* () {
      const scope = yield* Scope.make()
      const h = yield* leaderWith(file, ["trap", "--exit-on-signal"], "wait").pipe(Scope.provide(scope))
      yield* promise(() => waitForReport(file, countPids(1), "the descendant"))
      process.kill(h.pid, "SIGKILL")
      const exit = yield* Effect.exit(h.exitCode)
      const aliveAfterExit = isAlive(rootOf(file))
      yield* Scope.close(scope, Exit.void)
      return { failed: Exit.isFailure(exit), aliveAfterExit, signals: signalsOf(file, rootOf(file).pid), left: survivors(file) }
    }))
    assert.deepEqual(seen, { failed: true, aliveAfterExit: true, signals: ["SIGTERM"], left: [] })
  })

  test("the release of a running leader waits for the descendants that outlive it", GUARD, async () => {
    const file = report()
    const [running, left] = await run(Effect.gen(function* () {
      const scope = yield* Scope.make()
      const h = yield* leaderWith(file, ["trap", "--exit-on-signal"], "wait").pipe(Scope.provide(scope))
      yield* promise(() => waitForReport(file, countPids(1), "the descendant"))
      yield* Scope.close(scope, Exit.void)
      return [yield* h.isRunning, survivors(file)] as const
    }))
    assert.deepEqual([running, left], [false, []])
    assert.deepEqual(signalsOf(file, rootOf(file).pid), ["SIGTERM"], "the descendant got the kill signal and exited of it")
  })

  test("the release, and kill(), force-kill SIGTERM-ignoring descendants after forceKillAfter", GUARD, async () => {
    const [viaRelease, viaKill] = [report(), report()]
    const left = await run(Effect.gen(function* () {
      const scope = yield* Scope.make()
      yield* leaderWith(viaRelease, ["ignore-term"], "wait", { forceKillAfter: "200 millis" }).pipe(Scope.provide(scope))
      const h = yield* leaderWith(viaKill, ["ignore-term"], "wait")
      yield* promise(() => waitForReport(viaRelease, countPids(1), "the first ignorer"))
      yield* promise(() => waitForReport(viaKill, countPids(1), "the second ignorer"))
      yield* Scope.close(scope, Exit.void)
      yield* h.kill({ forceKillAfter: "200 millis" })
      return { release: survivors(viaRelease), kill: survivors(viaKill), running: yield* h.isRunning }
    }))
    assert.deepEqual(left, { release: [], kill: [], running: false })
  })

  test("forceKillAfter escalates on the sidecar's clock, not Effect's: the release ends under a TestClock", GUARD, async () => {
    const file = report()
    const took = await Promise.race([
      run(Effect.gen(function* () {
        const scope = yield* Scope.make()
        yield* leaderWith(file, ["ignore-term"], "wait", { forceKillAfter: "200 millis" }).pipe(Scope.provide(scope))
        yield* promise(() => waitForReport(file, countPids(1), "the ignorer"))
        const started = Date.now()
        yield* Scope.close(scope, Exit.void)
        return Date.now() - started
      }).pipe(Effect.provide(TestClock.layer()))),
      sleep(10_000).then(() => "hung" as const),
    ])
    assert.ok(typeof took === "number" && took < 2_000, `the release under a TestClock: ${took}`)
    assert.deepEqual(survivors(file), [])
  })

  test("without forceKillAfter, a descendant holding the pipe is ended on Effect's timing: the leader, then one second", GUARD, async () => {
    const file = report()
    const [took, running] = await run(Effect.gen(function* () {
      const scope = yield* Scope.make()
      const h = yield* leaderWith(file, ["ignore-term"], "wait").pipe(Scope.provide(scope))
      yield* promise(() => waitForReport(file, countPids(1), "the ignorer"))
      const started = Date.now()
      yield* Scope.close(scope, Exit.void)
      return [Date.now() - started, yield* h.isRunning] as const
    }))
    // Upstream's window for a release whose descendant ignores SIGTERM and holds the inherited pipe.
    assert.ok(took >= 1_000 && took < 3_000, `the release took ${took} ms`)
    assert.equal(running, false)
    assert.deepEqual(survivors(file), [], "Effect's spawner leaves the holder running here; the supervisor ends it")
  })

  test("the release returns when stdout is unread and its pipe is full", GUARD, async () => {
    const took = await run(Effect.gen(function* () {
      const started = Date.now()
      yield* Effect.scoped(Effect.gen(function* () {
        yield* ChildProcess.make(process.execPath, ["-e", 'process.stdout.write("x".repeat(1024 * 1024)); setInterval(() => {}, 1000)'], { stdin: "ignore" })
        yield* wait(100)
      }))
      return Date.now() - started
    }))
    assert.ok(took < 2_000, `the release took ${took} ms`)
  })
})

describe("contract: unref", () => {
  const sleeper = (file: string) => fxCmd(file, ["sleep"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" })

  test("an unref'd process outlives its scope; a reref'd one ends with it", GUARD, async () => {
    const [kept, ended] = [report(), report()]
    const seen = await run(Effect.gen(function* () {
      const a = Effect.runSync(Scope.make())
      const b = Effect.runSync(Scope.make())
      const ha = yield* sleeper(kept).pipe(Scope.provide(a))
      const hb = yield* sleeper(ended).pipe(Scope.provide(b))
      yield* promise(() => waitForReport(kept, countPids(1), "the unref'd sleeper"))
      yield* promise(() => waitForReport(ended, countPids(1), "the reref'd sleeper"))
      yield* ha.unref
      const reref = yield* hb.unref
      yield* reref
      yield* Scope.close(a, Exit.void)
      yield* Scope.close(b, Exit.void)
      yield* wait(100)
      const seen = { unrefRunning: yield* ha.isRunning, unrefAlive: survivors(kept).length, rerefRunning: yield* hb.isRunning, rerefAlive: survivors(ended).length }
      yield* ha.kill({ killSignal: "SIGKILL" })
      return seen
    }))
    assert.deepEqual(seen, { unrefRunning: true, unrefAlive: 1, rerefRunning: false, rerefAlive: 0 })
  })

  test("exitCode of an unref'd process still resolves after its scope has closed", GUARD, async () => {
    const code = await run(Effect.gen(function* () {
      const scope = Effect.runSync(Scope.make())
      const h = yield* sh("sleep 0.05", { stdin: "ignore", stdout: "ignore", stderr: "ignore" }).pipe(Scope.provide(scope))
      yield* h.unref
      yield* Scope.close(scope, Exit.void)
      return yield* h.exitCode
    }))
    assert.equal(code, ExitCode(0))
  })

  test("an unref'd leader that exits non-zero after its scope closed still has its descendants ended", GUARD, async () => {
    const file = report()
    const [code, left] = await run(Effect.gen(function* () {
      const scope = Effect.runSync(Scope.make())
      const h = yield* sh(`${fx(file, "tree", "--depth", "1", "--width", "3")} & sleep 0.3; exit 1`).pipe(Scope.provide(scope))
      yield* h.unref
      yield* Scope.close(scope, Exit.void)
      const code = yield* h.exitCode
      // Within the layer's life: without Effect's rule they would live until the layer closes.
      return [code, yield* promise(() => waitAllGone(file))] as const
    }))
    assert.equal(code, ExitCode(1))
    assert.equal(reportedPids(file).length, 4)
    assert.deepEqual(left, [])
  })

  test("unref of a pipeline unrefs every stage", GUARD, async () => {
    const [first, second] = [report(), report()]
    const alive = await run(Effect.gen(function* () {
      const scope = Effect.runSync(Scope.make())
      const h = yield* fxCmd(first, ["sleep"], { stdin: "ignore", stderr: "ignore" }).pipe(
        ChildProcess.pipeTo(fxCmd(second, ["sleep"], { stdout: "ignore", stderr: "ignore" })),
        Scope.provide(scope),
      )
      yield* promise(() => waitForReport(first, countPids(1), "the first stage"))
      yield* promise(() => waitForReport(second, countPids(1), "the second stage"))
      yield* h.unref
      yield* Scope.close(scope, Exit.void)
      yield* wait(100)
      const alive = [survivors(first).length, survivors(second).length]
      yield* h.kill({ killSignal: "SIGKILL" })
      return alive
    }))
    assert.deepEqual(alive, [1, 1])
  })
})

describe("contract: pipelines", () => {
  test("a pipeline's stdin feeds its first stage", GUARD, async () => {
    const out = await run(Effect.gen(function* () {
      const h = yield* ChildProcess.make(process.execPath, ["-e", 'process.stdin.on("data", (c) => process.stdout.write(c.toString().toUpperCase()))']).pipe(
        ChildProcess.pipeTo(ChildProcess.make(process.execPath, ["-e", "process.stdin.pipe(process.stdout)"])),
      )
      yield* Stream.run(bytes("hello"), h.stdin)
      const out = yield* text(h.stdout)
      yield* h.kill()
      return out
    }))
    assert.equal(out, "HELLO")
  })

  test("kill({ killSignal: SIGKILL }) of a pipeline ends every stage", GUARD, async () => {
    const [first, second] = [report(), report()]
    const left = await run(Effect.gen(function* () {
      const h = yield* fxCmd(first, ["sleep"]).pipe(ChildProcess.pipeTo(fxCmd(second, ["sleep"])))
      yield* promise(() => waitForReport(first, countPids(1), "the first stage"))
      yield* promise(() => waitForReport(second, countPids(1), "the second stage"))
      yield* h.kill({ killSignal: "SIGKILL" })
      return [...survivors(first), ...survivors(second)]
    }))
    assert.deepEqual(left, [])
  })

  test("pipe options: explicit from stdout and to stdin, empty options, and a chain switching to stderr", GUARD, async () => {
    const outs = await run(Effect.gen(function* () {
      const upper = () => ChildProcess.make`tr a-z A-Z`
      const a = yield* ChildProcess.make`echo hello`.pipe(ChildProcess.pipeTo(upper(), { from: "stdout", to: "stdin" }))
      const b = yield* ChildProcess.make`echo hello`.pipe(ChildProcess.pipeTo(upper(), {}))
      const c = yield* ChildProcess.make`echo hello`.pipe(
        ChildProcess.pipeTo(sh("cat; echo error >&2")),
        ChildProcess.pipeTo(ChildProcess.make`cat`, { from: "stderr" }),
      )
      const d = yield* sh("echo stdout; echo stderr >&2").pipe(ChildProcess.pipeTo(ChildProcess.make`cat`))
      return [yield* trimmed(a.stdout), yield* trimmed(b.stdout), yield* trimmed(c.stdout), yield* trimmed(d.stdout)]
    }))
    assert.deepEqual(outs, ["HELLO", "HELLO", "error", "stdout"])
  })
})

/** Polls `ok` (a generous hang guard, not a timing assertion). */
async function until(ok: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`never saw ${what}`)
    await sleep(10)
  }
}
