import util from "node:util"
import assert from "node:assert/strict"
import { buffer } from "node:stream/consumers"
import { describe, test } from "node:test"
import { spawnSettings } from "../src/defaults.js"
import { SupervisorDiedError, SupervisorProtocolError } from "../src/errors.js"
import { Connection } from "../src/protocol/connection.js"
import { SupervisorChild } from "../src/supervisor/child.js"
import { spawnRequest } from "../src/supervisor/request.js"
import type { Options } from "../src/types.js"
import { FakeSidecar, HELLO } from "./support/fake-sidecar.js"

/* The supervisor's Child over crafted frames: what the Process surface makes of each event. */
async function childOver(opts: Options = { stdout: "pipe", stderr: "pipe" }) {
  const fake = new FakeSidecar()
  const opening = Connection.open(fake.transport)
  fake.send(HELLO)
  const conn = await opening
  let released = 0
  const child = new SupervisorChild("c1", ["prog"], opts, Promise.resolve(conn), () => released++)
  child.start(conn, spawnRequest("c1", spawnSettings(["prog"], opts), opts))
  await fake.settle()
  const req = fake.ops("spawn")[0]!.req
  return { fake, child, req, released: () => released }
}

const exit = (extra: Record<string, unknown>) => ({
  event: "exit", id: "c1", reason: "exited", code: 0, signal: null, bytes: { stdout: 0, stderr: 0 },
  drain: "complete", killed_pids: [], leftover_pids: [], duration_ms: 3, ...extra,
})

describe("supervisor child over crafted frames", () => {
  test("output feeds the streams and exited waits for the exit event", async () => {
    const { fake, child, req, released } = await childOver()
    fake.send({ event: "spawned", req, id: "c1", pid: 777, pgid: 777 })
    fake.send({ event: "output", id: "c1", stream: "stdout" }, Buffer.from("out"))
    await fake.settle()
    assert.equal(child.pid, 777)
    let exited = false
    void child.exited.then(() => (exited = true))
    await fake.settle()
    assert.equal(exited, false)
    fake.send(exit({ code: 3, bytes: { stdout: 3, stderr: 0 } }))
    assert.equal(await child.exited, 3)
    assert.equal((await buffer(child.stdout!)).toString(), "out")
    assert.equal((await buffer(child.stderr!)).length, 0)
    assert.equal(released(), 1)
  })

  test("a byte-total mismatch rejects exited and outcome with SupervisorProtocolError", async () => {
    const { fake, child, req } = await childOver()
    fake.send({ event: "spawned", req, id: "c1", pid: 777, pgid: 777 })
    fake.send({ event: "output", id: "c1", stream: "stderr" }, Buffer.from("ab"))
    fake.send(exit({ bytes: { stdout: 0, stderr: 5 } }))
    await assert.rejects(child.exited, SupervisorProtocolError)
    await assert.rejects(child.outcome, SupervisorProtocolError)
  })

  test("spawn_failed with errno ENOENT rejects exited like Node's spawn error", async () => {
    const { fake, child, req } = await childOver()
    fake.send({ event: "error", req, id: "c1", code: "spawn_failed", errno: "ENOENT", message: "no such file" })
    fake.send(exit({ reason: "spawn_failed", code: null }))
    // Node's shape for an emitted spawn error: `spawn <file>` as syscall, the file as path, Node's errno number.
    await assert.rejects(child.exited, (err: NodeJS.ErrnoException) => {
      assert.deepEqual([err.code, err.syscall, err.path, util.getSystemErrorName(err.errno!)], ["ENOENT", "spawn prog", "prog", "ENOENT"])
      return true
    })
    assert.equal((await child.outcome).reason, "spawn_failed")
    assert.equal(await child.spawned, undefined)
  })

  test("a signal death folds to 1 and the outcome keeps the detail", async () => {
    const { fake, child, req } = await childOver()
    fake.send({ event: "spawned", req, id: "c1", pid: 5, pgid: 5 })
    fake.send(exit({ reason: "cancelled", code: null, signal: "SIGTERM", killed_pids: [5, 6], drain: "cut" }))
    assert.equal(await child.exited, 1)
    assert.deepEqual(await child.outcome, {
      reason: "cancelled", code: null, signal: "SIGTERM", bytes: { stdout: 0, stderr: 0 },
      drain: "cut", killedPids: [5, 6], leftoverPids: [],
    })
  })

  test("the sidecar's stream ending rejects with SupervisorDiedError and ends the streams", async () => {
    const { fake, child, req } = await childOver()
    fake.send({ event: "spawned", req, id: "c1", pid: 5, pgid: 5 })
    fake.toClient.end()
    await assert.rejects(child.exited, SupervisorDiedError)
    assert.equal((await buffer(child.stdout!)).length, 0)
  })

  test("kill(SIGKILL) is a cancel without grace, other signals go to the tree", async () => {
    const { fake, child, req } = await childOver()
    fake.send({ event: "spawned", req, id: "c1", pid: 5, pgid: 5 })
    await fake.settle()
    assert.equal(child.kill("SIGINT"), true)
    assert.equal(child.kill("SIGKILL"), true)
    await fake.settle()
    assert.deepEqual(fake.ops("signal").map((h) => h.signal), ["SIGINT"])
    assert.deepEqual(fake.ops("cancel").map((h) => [h.signal, h.grace_ms]), [["SIGKILL", 0]])
    fake.send(exit({ reason: "cancelled", code: null, signal: "SIGKILL" }))
    await child.exited
    assert.equal(child.kill(), false, "nothing to kill after the exit")
  })
})
