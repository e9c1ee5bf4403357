import assert from "node:assert/strict"
import { mkdtempSync, realpathSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { describe, test } from "node:test"
import { RunFailedError, type EngineName } from "../../src/index.js"
import { api, GUARD } from "../support/backends.js"
import { fixture } from "../support/binaries.js"
import { waitAllGone } from "../support/leaks.js"
import { countPids, reportedPids, waitForReport } from "../support/report.js"
import { stopWhenReady } from "../support/scenarios.js"
import { trackedReports } from "../support/tracked-reports.js"

/*
 * The 15 behaviours PawWork's own `util/process` suite checks (docs/reference/baseline.md, "What PawWork's callers
 * rely on"), one test each, in its order, on both engines PawWork can ship. The numbers match that list.
 * Our fixture program stands in for the shell one-liners, and a leak check by start time stands in for
 * `exists()` where a zombie could fool it. The three Windows behaviours are not run elsewhere: node:test
 * reports them as skipped, never as passed.
 */
const ENGINES: readonly EngineName[] = ["baseline", "supervisor"]
const windowsOnly = process.platform !== "win32" && "Windows only: PawWork checks its Windows path here"

for (const name of ENGINES) {
  describe(`PawWork's suite on the ${name} engine`, () => {
    const proc = api(name)
    const report = trackedReports(proc)

    test("1. stdout and stderr are captured", GUARD, async () => {
      const out = await proc.run(fixture(null, "stderr", "--text", "to stderr", "--code", "0"))
      assert.equal(out.stderr.toString(), "to stderr")
      const text = await proc.text(fixture(null, "env", "PAWWORK_SUITE"), { env: { PAWWORK_SUITE: "out" } })
      assert.equal(text.text.trim(), "PAWWORK_SUITE=out")
    })

    test("2. nothrow returns the exit code", GUARD, async () => {
      assert.equal((await proc.run(fixture(null, "exit", "--code", "7"), { nothrow: true })).code, 7)
    })

    test("3. a non-zero exit throws RunFailedError with the code and stderr", GUARD, async () => {
      const cmd = fixture(null, "stderr", "--text", "  it broke  \n", "--code", "4")
      const err: unknown = await proc.run(cmd).then(() => assert.fail("run should throw"), (e: unknown) => e)
      assert.ok(err instanceof RunFailedError)
      assert.equal(err.name, "ProcessRunFailedError")
      assert.equal(err.code, 4)
      assert.equal(err.stderr.toString(), "  it broke  \n")
      assert.equal(err.message, `Command failed with code 4: ${cmd.join(" ")}\nit broke`)
    })

    test("4. an abort ends a running process by its graceful signal", GUARD, async () => {
      const file = report()
      const abort = new AbortController()
      const child = proc.spawn(fixture(file, "sleep"), { abort: abort.signal })
      await waitForReport(file, countPids(1), "the root")
      abort.abort()
      assert.equal(await child.exited, 1)
      // PawWork asserts "well within a second" against the 5 s default grace: what it means is that
      // SIGTERM ended the process, not the SIGKILL after the grace. That is asserted here, without a clock.
      const outcome = await child.outcome
      assert.equal(outcome.signal, "SIGTERM")
      assert.deepEqual(outcome.killedPids, [])
      assert.deepEqual(await waitAllGone(file), [])
    })

    test("5. an abort ends a child started by the spawned shell (grace 50 ms)", GUARD, async () => {
      const file = report()
      const abort = new AbortController()
      const cmd = [...fixture(file, "sleep"), "&", "wait"]
      const child = proc.spawn(cmd, { shell: true, abort: abort.signal, timeout: 50 })
      await waitForReport(file, countPids(1), "the shell's child")
      const [shellChild] = reportedPids(file)
      assert.ok(shellChild && proc.exists(shellChild.pid), "the shell's child runs")
      abort.abort()
      await child.exited
      assert.deepEqual(await waitAllGone(file), [])
    })

    test("6. a process ignoring SIGTERM is killed after the grace", GUARD, async () => {
      const file = report()
      const abort = new AbortController()
      const child = proc.spawn(fixture(file, "ignore-term"), { abort: abort.signal, timeout: 200 })
      await waitForReport(file, countPids(1), "the root")
      abort.abort()
      assert.equal(await child.exited, 1)
      assert.equal((await child.outcome).signal, "SIGKILL")
      assert.deepEqual(await waitAllGone(file), [])
    })

    test("7. terminateTree on Windows uses the platform path", { ...GUARD, skip: windowsOnly }, async () => {
      const file = report()
      const child = proc.spawn(fixture(file, "tree", "--depth", "1", "--width", "2"))
      await waitForReport(file, countPids(3), "the tree")
      await proc.terminateTree({ pid: child.pid! })
      await child.exited
      assert.deepEqual(await waitAllGone(file), [])
    })

    test("8. terminateTree honours the grace without waitForExit", GUARD, async () => {
      // A root that ignores SIGTERM, so only the forceful step can end it: that step must wait the grace.
      const file = report()
      const child = proc.spawn(fixture(file, "ignore-term"))
      await waitForReport(file, countPids(1), "the root")
      const graceMs = 300
      const t0 = performance.now()
      await proc.terminateTree({ pid: child.pid!, graceMs })
      assert.ok(performance.now() - t0 >= graceMs, `terminateTree returned after ${performance.now() - t0} ms`)
      await child.exited
      assert.deepEqual(await waitAllGone(file), [])
    })

    test("9. terminateTree still ends the root when findDescendants throws", GUARD, async () => {
      const file = report()
      const child = proc.spawn(fixture(file, "sleep"))
      await waitForReport(file, countPids(1), "the root")
      const findDescendants = async (): Promise<number[]> => {
        throw new Error("enumeration failed")
      }
      await proc.terminateTree({ pid: child.pid!, graceMs: 200, findDescendants, waitForExit: child.exited })
      await child.exited
      assert.deepEqual(await waitAllGone(file), [])
    })

    test("10. stop() ends a SIGTERM-ignoring child", GUARD, async () => {
      assert.deepEqual(await stopWhenReady(proc, report(), ["ignore-term"], 1, "the root"), [])
    })

    test("11. cwd is used", GUARD, async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), "pawwork-suite-cwd-"))
      assert.equal((await proc.text(fixture(null, "cwd"), { cwd: dir })).text.trim(), realpathSync(dir))
    })

    test("12. environment overrides merge with the inherited environment", GUARD, async () => {
      assert.ok(process.env.PATH, "the test needs PATH set")
      const lines = await proc.lines(fixture(null, "env", "PAWWORK_SUITE_A", "PATH"), { env: { PAWWORK_SUITE_A: "a" } })
      assert.deepEqual(lines, ["PAWWORK_SUITE_A=a", `PATH=${process.env.PATH}`])
    })

    test("13. shell: true runs through cmd.exe on Windows", { ...GUARD, skip: windowsOnly }, async () => {
      const out = await proc.text(["echo", "%PAWWORK_SUITE_SHELL%"], { shell: true, env: { PAWWORK_SUITE_SHELL: "hi" } })
      assert.equal(out.text.trim(), "hi")
    })

    test("14. a .cmd path with spaces runs on Windows without a shell", { ...GUARD, skip: windowsOnly }, async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), "pawwork suite cmd "))
      const script = path.join(dir, "say hi.cmd")
      writeFileSync(script, "@echo hi from cmd\r\n")
      assert.equal((await proc.text([script])).text.trim(), "hi from cmd")
    })

    test("15. a missing command rejects with ENOENT and no unhandled error", GUARD, async () => {
      const unhandled: unknown[] = []
      const onUnhandled = (err: unknown) => unhandled.push(err)
      process.on("uncaughtException", onUnhandled)
      process.on("unhandledRejection", onUnhandled)
      try {
        const child = proc.spawn(["pawwork-suite-no-such-command"])
        await assert.rejects(child.exited, (err: NodeJS.ErrnoException) => err.code === "ENOENT")
        await assert.rejects(proc.run(["pawwork-suite-no-such-command"]), (err: NodeJS.ErrnoException) => err.code === "ENOENT")
        await new Promise((resolve) => setTimeout(resolve, 50))
      } finally {
        process.off("uncaughtException", onUnhandled)
        process.off("unhandledRejection", onUnhandled)
      }
      assert.deepEqual(unhandled, [])
    })
  })
}
