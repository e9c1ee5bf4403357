import assert from "node:assert/strict"
import { after, describe, test } from "node:test"
import { createProcess, SupervisorDiedError } from "../../src/index.js"
import { GUARD } from "../support/backends.js"
import { fixture, fixturePath } from "../support/binaries.js"

/*
 * The spawn channel on Windows (a named pipe, read by a worker thread; docs/reference/design.md, "pid when spawn
 * returns"): pid set when spawn() returns, failures the Node way, and the bounded start. Windows only:
 * scripts/wine-matrix.sh runs this file with Node for Windows under Wine; elsewhere it is skipped,
 * never passed.
 */
const windowsOnly = process.platform !== "win32" && "Windows only: the named-pipe spawn channel"

describe("the spawn channel on Windows", () => {
  const proc = createProcess({ backend: "supervisor" })
  after(() => proc.shutdown())

  test("pid is set when spawn() returns, the first spawn included", { ...GUARD, skip: windowsOnly }, async () => {
    const first = proc.spawn(fixture(null, "exit", "--code", "3"))
    const firstPid = first.pid
    const second = proc.spawn(fixture(null, "exit", "--code", "0"))
    assert.ok(Number.isInteger(firstPid) && firstPid! > 0, `first pid ${firstPid}`)
    assert.ok(Number.isInteger(second.pid) && second.pid !== firstPid, `second pid ${second.pid}`)
    assert.deepEqual([await first.exited, await second.exited], [3, 0])
  })

  test("a missing command: pid undefined, ENOENT emitted after spawn() returns", { ...GUARD, skip: windowsOnly }, async () => {
    const child = proc.spawn(["pawwork-windows-no-such-command"])
    assert.equal(child.pid, undefined)
    const emitted = new Promise<NodeJS.ErrnoException>((resolve) => child.once("error", resolve))
    assert.equal((await emitted).code, "ENOENT")
  })

  test("a binary that never greets fails the spawn at the start bound, naming it", { ...GUARD, skip: windowsOnly }, async () => {
    // The fixture refuses the spawn channel's arguments and exits: it never greets. Windows cannot tell
    // the client synchronously that it exited, so the bound is what ends the wait.
    const silent = createProcess({ backend: "supervisor", supervisorPath: fixturePath(), startTimeoutMs: 1500 })
    const child = silent.spawn(fixture(null, "cwd"))
    assert.equal(child.pid, undefined)
    await assert.rejects(child.exited, (err: Error) => {
      assert.ok(err instanceof SupervisorDiedError)
      assert.match(err.message, /did not greet within 1500 ms/)
      return true
    })
    await silent.shutdown()
  })
})
