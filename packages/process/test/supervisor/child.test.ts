import util from "node:util"
import assert from "node:assert/strict"
import { buffer } from "node:stream/consumers"
import { describe, test } from "node:test"
import { spawnSettings } from "../../src/defaults.js"
import { SupervisorDiedError, SupervisorProtocolError } from "../../src/errors.js"
import { Connection } from "../../src/protocol/connection.js"
import type { FdSpec } from "../../src/protocol/messages.js"
import { SupervisorChild } from "../../src/supervisor/child.js"
import { spawnRequest } from "../../src/supervisor/request.js"
import type { Options } from "../../src/types.js"
import { FakeSidecar, HELLO } from "../support/fake-sidecar.js"

/* The supervisor's Child over crafted frames: what the Process surface makes of each event. */
async function childOver(opts: Options = { stdout: "pipe", stderr: "pipe" }, fds: FdSpec[] = []) {
  const fake = new FakeSidecar()
  const opening = Connection.open(fake.transport)
  fake.send(HELLO)
  const conn = await opening
  let released = 0
  const child = new SupervisorChild("c1", ["prog"], opts, Promise.resolve(conn), () => released++, undefined, fds)
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

  test("root_exited settles rootExited first; exited still waits for the exit and the drain", async () => {
    const { fake, child, req } = await childOver()
    fake.send({ event: "spawned", req, id: "c1", pid: 9, pgid: 9 })
    fake.send({ event: "root_exited", id: "c1", code: 4, signal: null, duration_ms: 1 })
    assert.deepEqual(await child.rootExited, { code: 4, signal: null })
    let exited = false
    void child.exited.then(() => (exited = true))
    await fake.settle()
    assert.equal(exited, false, "exited settled before the exit event")
    fake.send(exit({ code: 4 }))
    assert.equal(await child.exited, 4)
  })

  test("without root_exited, rootExited settles with the exit's status; a spawn failure rejects it", async () => {
    const a = await childOver()
    a.fake.send({ event: "spawned", req: a.req, id: "c1", pid: 9, pgid: 9 })
    a.fake.send(exit({ code: null, signal: "SIGKILL", reason: "cancelled" }))
    assert.deepEqual(await a.child.rootExited, { code: null, signal: "SIGKILL" })
    const b = await childOver()
    b.fake.send({ event: "error", req: b.req, id: "c1", code: "spawn_failed", errno: "ENOENT", message: "no" })
    b.fake.send(exit({ reason: "spawn_failed", code: null }))
    await assert.rejects(b.child.rootExited, (err: NodeJS.ErrnoException) => err.code === "ENOENT")
  })

  test("extra descriptors: fdN output feeds its stream, counted in the exit; an input's writes carry its fd", async () => {
    const fds: FdSpec[] = [{ fd: 3, mode: "output" }, { fd: 4, mode: "input" }, { fd: 5, mode: "duplex" }]
    const { fake, child, req } = await childOver({}, fds)
    assert.equal(child.outputFd(4), null, "an input has no output stream")
    assert.equal(child.inputFd(3), null, "an output has no input")
    assert.equal(child.outputFd(6), null, "an unconfigured number has neither")
    fake.send({ event: "spawned", req, id: "c1", pid: 9, pgid: 9 })
    await fake.settle()
    child.inputFd(4)!.end(Buffer.from("in"))
    child.inputFd(5)!.write(Buffer.from("both"))
    await fake.settle()
    const writes = fake.requests.filter((r) => r.header.op === "write")
    assert.deepEqual(writes.map((r) => [r.header.fd, r.payload.toString()]), [[4, "in"], [5, "both"]])
    for (const w of writes) fake.send({ event: "written", req: w.header.req, id: "c1", fd: w.header.fd, bytes: w.payload.length })
    await fake.settle()
    assert.deepEqual(fake.ops("close_stdin").map((h) => h.fd), [4])
    fake.send({ event: "output", id: "c1", stream: "fd3" }, Buffer.from("three"))
    fake.send({ event: "output", id: "c1", stream: "fd5" }, Buffer.from("five"))
    fake.send(exit({ bytes: { stdout: 0, stderr: 0, fd3: 5, fd5: 4 } }))
    assert.equal(await child.exited, 0)
    assert.equal((await buffer(child.outputFd(3)!)).toString(), "three")
    assert.equal((await buffer(child.outputFd(5)!)).toString(), "five")
  })

  test("a descriptor's byte total that differs from what arrived fails the child", async () => {
    const { fake, child, req } = await childOver({}, [{ fd: 3, mode: "output" }])
    fake.send({ event: "spawned", req, id: "c1", pid: 9, pgid: 9 })
    fake.send({ event: "output", id: "c1", stream: "fd3" }, Buffer.from("abc"))
    fake.send(exit({ bytes: { stdout: 0, stderr: 0, fd3: 2 } }))
    await assert.rejects(child.exited, (err: Error) => err instanceof SupervisorProtocolError && /fd3 2/.test(err.message))
  })

  test("cancel's graceAfterRootMs and drainTimeoutMs go out under their wire names, and only when given", async () => {
    const sent = []
    for (const opts of [{ signal: "SIGTERM", graceMs: 5000, graceAfterRootMs: 1000, drainTimeoutMs: 250 }, { signal: "SIGTERM" }]) {
      const { fake, child, req } = await childOver()
      fake.send({ event: "spawned", req, id: "c1", pid: 9, pgid: 9 })
      await fake.settle()
      void child.cancel(opts)
      await fake.settle()
      const h = fake.ops("cancel")[0]!
      sent.push([h.grace_ms, h.grace_after_root_ms, h.drain_timeout_ms, "grace_after_root_ms" in h, "drain_timeout_ms" in h])
      fake.send(exit({ reason: "cancelled", code: null, signal: "SIGTERM" }))
      await child.exited
    }
    assert.deepEqual(sent, [
      [5000, 1000, 250, true, true],
      [undefined, undefined, undefined, false, false],
    ])
  })

  test("a second cancel while one is in flight joins it: one request, both settle at the tree's end", async () => {
    const { fake, child, req } = await childOver()
    fake.send({ event: "spawned", req, id: "c1", pid: 9, pgid: 9 })
    await fake.settle()
    const first = child.cancel({ signal: "SIGTERM", graceMs: 100 })
    const second = child.cancel({ signal: "SIGKILL", graceMs: 0 })
    await fake.settle()
    assert.equal(fake.ops("cancel").length, 1)
    fake.send(exit({ reason: "cancelled", code: null, signal: "SIGTERM" }))
    assert.deepEqual(await first, await second)
    assert.equal(fake.ops("cancel").length, 1)
  })
})
