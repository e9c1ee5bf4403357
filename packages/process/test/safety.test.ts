import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { terminateTree } from "../src/baseline/terminate-tree.js"
import { isSignallableGroup, isSignallablePid, killGroup, killPid, ownProcessGroup } from "../src/safety.js"

describe("signal safety guard", () => {
  test("pids 0, 1, negatives and our own pid are refused", () => {
    for (const pid of [0, 1, -1, -5, 1.5, Number.NaN, process.pid]) {
      assert.equal(isSignallablePid(pid), false, String(pid))
      assert.throws(() => killPid(pid, 0), { code: "ESRCH" })
    }
  })

  test("groups 0, 1 and our own group are refused", () => {
    const own = ownProcessGroup()
    assert.ok(own !== null && own > 0, "our process group is readable on this platform")
    for (const pgid of [0, 1, -1, own, process.pid]) {
      assert.equal(isSignallableGroup(pgid), false, String(pgid))
      assert.throws(() => killGroup(pgid, 0), { code: "ESRCH" })
    }
  })

  test("an ordinary pid passes", () => {
    assert.equal(isSignallablePid(process.ppid > 1 ? process.ppid : 4242), true)
  })

  test("terminateTree refuses pid 1 before taking any snapshot", async () => {
    let looked = false
    const findDescendants = async () => ((looked = true), [])
    await assert.rejects(terminateTree({ pid: 1, graceMs: 1, findDescendants }), /refusing pid 1/)
    await assert.rejects(terminateTree({ pid: process.pid, graceMs: 1, findDescendants }), /refusing pid/)
    assert.equal(looked, false)
  })
})
