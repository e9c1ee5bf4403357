import assert from "node:assert/strict"
import { mkdtempSync, realpathSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { describe, test } from "node:test"
import { fixture, pattern } from "./fixture.js"
import { GUARD } from "./guard.js"
import { waitAllGone } from "./leaks.js"
import { countPids, waitForReport } from "./reports.js"
import { stopWhenReady } from "./scenarios.js"
import { trackedReports } from "./tracked-reports.js"
import type { TestApi } from "./types.js"

export interface ContractBackend {
  name: string
  api: TestApi
}

/**
 * The contract every backend of the Process API keeps, the engines (@pawwork/process's behaviour.test) and
 * the comparison peers (@pawwork/peers's) alike: one suite, so the matrix compares backends that agree on
 * everything but what it measures. Tests that kill trees check the fixture report: every pid gone.
 * `RunFailedError` is the class the backends' run() throws (the harness does not depend on the package).
 */
export function describeContract(backends: ContractBackend[], RunFailedError: new (...args: any[]) => Error & { code: number; stderr: Buffer; cmd: string[] }): void {
  for (const { name, api: proc } of backends) {
    describe(`${name} backend`, () => {
      const report = trackedReports(proc)

      test("run captures stdout and stderr separately", GUARD, async () => {
        const out = await proc.run(fixture(null, "flood", "--bytes", "4096", "--stream", "both"))
        assert.equal(out.code, 0)
        assert.deepEqual(out.stdout, pattern(4096))
        assert.deepEqual(out.stderr, pattern(4096))
      })

      test("nothrow returns a failing code instead of throwing", GUARD, async () => {
        const out = await proc.run(fixture(null, "exit", "--code", "3"), { nothrow: true })
        assert.equal(out.code, 3)
      })

      test("a failing command throws RunFailedError with its code and stderr", GUARD, async () => {
        const cmd = fixture(null, "stderr", "--text", "boom happened", "--code", "2")
        const err = await proc.run(cmd).then(
          () => assert.fail("run should have thrown"),
          (e: unknown) => e,
        )
        assert.ok(err instanceof RunFailedError)
        assert.equal(err.code, 2)
        assert.equal(err.stderr.toString(), "boom happened")
        assert.deepEqual(err.cmd, cmd)
        assert.match(err.message, /code 2/)
        assert.match(err.message, /boom happened/)
      })

      test("abort stops a running process", GUARD, async () => {
        const file = report()
        const abort = new AbortController()
        const child = proc.spawn(fixture(file, "sleep"), { abort: abort.signal })
        await waitForReport(file, countPids(1), "the root")
        abort.abort()
        assert.equal(await child.exited, 1)
        assert.equal((await child.outcome).reason, "cancelled")
        assert.deepEqual(await waitAllGone(file), [])
      })

      test("abort kills a grandchild tree", GUARD, async () => {
        const file = report()
        const abort = new AbortController()
        const child = proc.spawn(fixture(file, "tree", "--depth", "2", "--width", "2"), { abort: abort.signal })
        await waitForReport(file, countPids(7), "all 7 tree nodes")
        abort.abort()
        await child.exited
        assert.deepEqual(await waitAllGone(file), [])
      })

      test("a tree ignoring SIGTERM is SIGKILLed after the timeout grace", GUARD, async () => {
        const file = report()
        const abort = new AbortController()
        const child = proc.spawn(fixture(file, "ignore-term", "--children", "2"), { abort: abort.signal, timeout: 600 })
        await waitForReport(file, countPids(3), "root and 2 children")
        const t0 = Date.now()
        abort.abort()
        assert.equal(await child.exited, 1)
        // The graceful step must have been given its grace; the upper end is only the test's hang guard.
        assert.ok(Date.now() - t0 >= 500, `SIGKILL came after ${Date.now() - t0} ms, before the 600 ms grace`)
        const outcome = await child.outcome
        assert.equal(outcome.signal, "SIGKILL")
        assert.ok(outcome.killedPids.length >= 1, "the forceful step reports what it killed")
        assert.deepEqual(await waitAllGone(file), [])
      })

      test("stop() ends a tree", GUARD, async () => {
        assert.deepEqual(await stopWhenReady(proc, report(), ["tree", "--depth", "1", "--width", "3"], 4, "root and 3 children"), [])
      })

      test("cwd sets the working directory", GUARD, async () => {
        const dir = mkdtempSync(path.join(os.tmpdir(), "pawwork-cwd-"))
        const out = await proc.text(fixture(null, "cwd"), { cwd: dir })
        assert.equal(out.text.trim(), realpathSync(dir))
      })

      test("env is merged over process.env and undefined deletes", GUARD, async () => {
        assert.ok(process.env.PATH, "the test needs PATH set")
        const lines = await proc.lines(fixture(null, "env", "PAWWORK_TEST_A", "PATH", "HOME"), {
          env: { PAWWORK_TEST_A: "one", HOME: undefined },
        })
        assert.ok(lines.includes("PAWWORK_TEST_A=one"), JSON.stringify(lines))
        assert.ok(lines.includes(`PATH=${process.env.PATH}`), JSON.stringify(lines))
        assert.ok(!lines.some((l) => l.startsWith("HOME=")), JSON.stringify(lines))
      })

      test("env null gives an empty environment", GUARD, async () => {
        assert.deepEqual(await proc.lines(fixture(null, "env"), { env: null }), [])
      })

      test("a missing command rejects exited with ENOENT", GUARD, async () => {
        for (const cmd of ["pawwork-no-such-command-4711", "/nonexistent/pawwork-no-such-command"]) {
          const child = proc.spawn([cmd])
          const spawnError = await child.exited.then(() => assert.fail("exited should reject"), (err: NodeJS.ErrnoException) => err)
          assert.equal(spawnError.code, "ENOENT")
          assert.equal((await child.outcome).reason, "spawn_failed")
          // nothrow turns the spawn error into stderr: its message, whose wording is the runtime's
          // (Node's names ENOENT, Bun's says "Executable not found").
          const out = await proc.run([cmd], { nothrow: true })
          assert.equal(out.code, 1)
          assert.equal(out.stderr.toString(), spawnError.message)
        }
      })

      test("text() adds the text and lines() splits it without empty lines", GUARD, async () => {
        const opts = { env: { PAWWORK_X: "x", PAWWORK_Y: "y" } }
        const out = await proc.text(fixture(null, "env", "PAWWORK_X", "PAWWORK_Y"), opts)
        assert.equal(out.text, out.stdout.toString())
        assert.match(out.text, /PAWWORK_X=x\r?\nPAWWORK_Y=y/)
        assert.deepEqual(await proc.lines(fixture(null, "env", "PAWWORK_X", "PAWWORK_Y"), opts), [
          "PAWWORK_X=x",
          "PAWWORK_Y=y",
        ])
      })

      test("stdin pipe reaches the child byte for byte", GUARD, async () => {
        const child = proc.spawn(fixture(null, "echo-stdin"), { stdin: "pipe", stdout: "pipe" })
        const chunks: Buffer[] = []
        child.stdout!.on("data", (c: Buffer) => chunks.push(c))
        const data = pattern(300_000)
        child.stdin!.end(data)
        assert.equal(await child.exited, 0)
        await new Promise((r) => (child.stdout!.readableEnded ? r(null) : child.stdout!.once("end", r)))
        assert.deepEqual(Buffer.concat(chunks), data)
      })

      test("a signal death is exited 1 while the outcome keeps the signal", GUARD, async () => {
        const child = proc.spawn(fixture(null, "exit", "--signal", "SIGTERM"))
        assert.equal(await child.exited, 1)
        const outcome = await child.outcome
        assert.equal(outcome.reason, "exited")
        assert.equal(outcome.code, null)
        assert.equal(outcome.signal, "SIGTERM")
      })

      test("shell runs the joined command through /bin/sh", GUARD, async () => {
        const out = await proc.text(["echo", "$PAWWORK_SHELL_VAR"], { shell: true, env: { PAWWORK_SHELL_VAR: "hi" } })
        assert.equal(out.text, "hi\n")
      })

      test("an empty command or an already-aborted signal throws before spawning", GUARD, () => {
        assert.throws(() => proc.spawn([]), /Command is required/)
        const abort = new AbortController()
        abort.abort()
        assert.throws(() => proc.spawn(fixture(null, "sleep"), { abort: abort.signal }), { name: "AbortError" })
      })
    })
  }
}
