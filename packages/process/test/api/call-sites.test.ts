import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { createProcess, type EngineName } from "../../src/index.js"
import { GUARD } from "../support/backends.js"
import { fixture } from "../support/binaries.js"
import { waitAllGone } from "../support/leaks.js"
import { countPids, waitForReport } from "../support/report.js"
import { trackedReports } from "../support/tracked-reports.js"

/*
 * What PawWork's call sites read of a child synchronously, on the line after spawn(), as Node's
 * ChildProcess allows (shared/pawwork-api.md): `pid`, the stdio streams, `exitCode`/`signalCode`,
 * `kill()`'s boolean and `killed`. Each engine gets a fresh API object per test where the first spawn
 * matters, so the spawn that starts the supervisor's sidecar is the one checked.
 */
const ENGINES: readonly EngineName[] = ["baseline", "supervisor"]

for (const name of ENGINES) {
  describe(`call sites on the ${name} engine`, () => {
    const fresh = () => createProcess({ backend: name })
    const report = trackedReports()

    test("pid is set when spawn() returns, the first spawn (which starts the sidecar) included", GUARD, async () => {
      const proc = fresh()
      try {
        const first = proc.spawn(fixture(null, "exit", "--code", "0"))
        const firstPid = first.pid
        const second = proc.spawn(fixture(null, "exit", "--code", "0"))
        const secondPid = second.pid
        assert.ok(Number.isInteger(firstPid) && firstPid! > 1, `first pid ${firstPid}`)
        assert.ok(Number.isInteger(secondPid) && secondPid! > 1 && secondPid !== firstPid, `second pid ${secondPid}`)
        assert.equal(await first.spawned, firstPid, "spawned resolves with the same pid")
        assert.deepEqual([await first.exited, await second.exited], [0, 0])
      } finally {
        await proc.shutdown()
      }
    })

    test("stdio is non-null for pipes and null otherwise; exitCode and signalCode are null until the exit", GUARD, async () => {
      const proc = fresh()
      try {
        const piped = proc.spawn(fixture(null, "echo-stdin"), { stdin: "pipe", stdout: "pipe", stderr: "pipe" })
        const { stdin, stdout, stderr } = piped
        assert.ok(stdin && stdout && stderr, "every pipe is there when spawn() returns")
        assert.deepEqual([piped.exitCode, piped.signalCode], [null, null])
        const chunks: Buffer[] = []
        stdout.on("data", (c: Buffer) => chunks.push(c))
        stdin.end("through the pipe")
        assert.equal(await piped.exited, 0)
        assert.equal(Buffer.concat(chunks).toString(), "through the pipe")
        assert.deepEqual([piped.exitCode, piped.signalCode], [0, null])
        const quiet = proc.spawn(fixture(null, "exit", "--code", "0"))
        assert.deepEqual([quiet.stdin, quiet.stdout, quiet.stderr], [null, null, null])
        await quiet.exited
      } finally {
        await proc.shutdown()
      }
    })

    test("kill() returns true and sets killed for a running child, false once it has exited", GUARD, async () => {
      const proc = fresh()
      try {
        const file = report()
        const child = proc.spawn(fixture(file, "sleep"))
        assert.equal(child.killed, false)
        await waitForReport(file, countPids(1), "the root")
        assert.equal(child.kill("SIGTERM"), true)
        assert.equal(child.killed, true)
        await child.exited
        assert.equal(child.signalCode, "SIGTERM")
        assert.equal(child.kill("SIGTERM"), false, "nothing left to signal")
        assert.deepEqual(await waitAllGone(file), [])
      } finally {
        await proc.shutdown()
      }
    })

    test("terminateTree({ pid: proc.pid! }) on the line after spawn() ends the child", GUARD, async () => {
      const proc = fresh()
      try {
        const file = report()
        const child = proc.spawn(fixture(file, "sleep"))
        await proc.terminateTree({ pid: child.pid!, graceMs: 200 })
        await child.exited
        assert.notEqual(child.signalCode ?? child.exitCode, null, "the child was ended")
        // It may have been ended before it reported; whatever reported must be gone.
        assert.deepEqual(await waitAllGone(file), [])
      } finally {
        await proc.shutdown()
      }
    })

    test("a command that cannot start: pid undefined, nothing thrown, the error emitted after spawn() returns", GUARD, async () => {
      const proc = fresh()
      try {
        const child = proc.spawn(["pawwork-call-sites-no-such-command"])
        assert.equal(child.pid, undefined)
        const emitted = new Promise<NodeJS.ErrnoException>((resolve) => child.once("error", resolve))
        assert.equal((await emitted).code, "ENOENT")
        await assert.rejects(child.exited, (err: NodeJS.ErrnoException) => err.code === "ENOENT")
      } finally {
        await proc.shutdown()
      }
    })
  })
}
