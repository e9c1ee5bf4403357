import assert from "node:assert/strict"
import { describe, test } from "node:test"
import {
  SupervisorDiedError,
  SupervisorProtocolError,
  SupervisorRequestError,
} from "../src/errors.js"
import { Connection, type ChildHandlers } from "../src/protocol/connection.js"
import type { ExitEvent } from "../src/protocol/messages.js"
import { encodeFrame } from "../src/protocol/framing.js"
import { FakeSidecar, HELLO } from "./support/fake-sidecar.js"

function exitEvent(id: string, bytes = { stdout: 0, stderr: 0 }, extra: Partial<ExitEvent> = {}) {
  return { event: "exit", id, reason: "exited", code: 0, signal: null, bytes, drain: "complete", killed_pids: [], leftover_pids: [], duration_ms: 1, ...extra }
}

function recorder() {
  const seen = { output: [] as Array<[string, string]>, exit: [] as ExitEvent[], failed: [] as Error[] }
  const handlers: ChildHandlers = {
    output: (stream, payload) => seen.output.push([stream, payload.toString()]),
    exit: (event) => seen.exit.push(event),
    failed: (err) => seen.failed.push(err),
  }
  return { seen, handlers }
}

async function connected() {
  const fake = new FakeSidecar()
  const opening = Connection.open(fake.transport)
  fake.send(HELLO)
  return { fake, conn: await opening }
}

describe("connection handshake", () => {
  test("hello is read and kept", async () => {
    const { conn } = await connected()
    assert.equal(conn.hello.pid, 4242)
    assert.equal(conn.limits.outputWindow, 1048576)
  })

  test("another protocol version is refused, naming both versions", async () => {
    const fake = new FakeSidecar()
    const opening = Connection.open(fake.transport)
    fake.send({ ...HELLO, protocol: 2, version: "9.9.9" })
    await assert.rejects(opening, (err: Error) => {
      assert.ok(err instanceof SupervisorProtocolError)
      assert.match(err.message, /protocol 2/)
      assert.match(err.message, /9\.9\.9/)
      assert.match(err.message, /protocol 1/)
      return true
    })
  })

  test("a first frame other than hello is refused", async () => {
    const fake = new FakeSidecar()
    const opening = Connection.open(fake.transport)
    fake.send({ event: "goodbye" })
    await assert.rejects(opening, SupervisorProtocolError)
  })

  test("EOF before hello is a dead sidecar", async () => {
    const fake = new FakeSidecar()
    const opening = Connection.open(fake.transport)
    fake.toClient.end()
    await assert.rejects(opening, SupervisorDiedError)
  })
})

describe("a connection started before its hello", () => {
  test("a child registered before hello gets the events that come in hello's chunk", async () => {
    const fake = new FakeSidecar()
    const conn = Connection.start(fake.transport)
    const { seen, handlers } = recorder()
    conn.register("c1", handlers)
    // hello, an output and the exit in one write: dispatched in order once hello is checked.
    const exit = exitEvent("c1", { stdout: 2, stderr: 0 })
    fake.toClient.write(Buffer.concat([encodeFrame(HELLO), encodeFrame({ event: "output", id: "c1", stream: "stdout" }, Buffer.from("hi")), encodeFrame(exit)]))
    assert.equal(await conn.ready, conn)
    assert.deepEqual(seen.output, [["stdout", "hi"]])
    assert.equal(seen.exit.length, 1)
  })

  test("a bad hello fails what was registered or asked before it", async () => {
    const fake = new FakeSidecar()
    const conn = Connection.start(fake.transport)
    const { seen, handlers } = recorder()
    conn.register("c1", handlers)
    const asked = conn.request({ op: "shutdown" })
    fake.send({ ...HELLO, protocol: 2 })
    await assert.rejects(conn.ready, SupervisorProtocolError)
    await assert.rejects(asked, SupervisorProtocolError)
    assert.equal(seen.failed.length, 1)
    assert.ok(conn.closed)
  })
})

describe("connection requests and events", () => {
  test("requests get increasing ids and are answered by req", async () => {
    const { fake, conn } = await connected()
    const a = conn.request({ op: "signal", id: "c1", signal: "SIGINT" })
    const b = conn.request({ op: "signal", id: "c1", signal: "SIGUSR1" })
    await fake.settle()
    const [ra, rb] = fake.ops("signal")
    assert.ok(typeof ra!.req === "number" && (rb!.req as number) > (ra!.req as number))
    fake.send({ event: "signalled", req: rb!.req, id: "c1", signal: "SIGUSR1", pids: [2] })
    fake.send({ event: "signalled", req: ra!.req, id: "c1", signal: "SIGINT", pids: [1] })
    assert.deepEqual(((await a) as { pids: number[] }).pids, [1])
    assert.deepEqual(((await b) as { pids: number[] }).pids, [2])
  })

  test("an error answer rejects with its stable code and errno", async () => {
    const { fake, conn } = await connected()
    const r = conn.request({ op: "cancel", id: "nope" })
    await fake.settle()
    const req = fake.ops("cancel")[0]!.req
    fake.send({ event: "error", req, id: "nope", code: "unknown_child", message: "no child", errno: "ESRCH" })
    await assert.rejects(r, (err: SupervisorRequestError) => err.code === "unknown_child" && err.errno === "ESRCH")
  })

  test("output goes to its child only, and exit totals that match are accepted", async () => {
    const { fake, conn } = await connected()
    const one = recorder()
    const two = recorder()
    conn.register("c1", one.handlers)
    conn.register("c2", two.handlers)
    fake.send({ event: "output", id: "c1", stream: "stdout" }, Buffer.from("hello"))
    fake.send({ event: "output", id: "c2", stream: "stderr" }, Buffer.from("oops"))
    fake.send({ event: "output", id: "c1", stream: "stderr" }, Buffer.from("!"))
    fake.send(exitEvent("c1", { stdout: 5, stderr: 1 }))
    await fake.settle()
    assert.deepEqual(one.seen.output, [["stdout", "hello"], ["stderr", "!"]])
    assert.deepEqual(two.seen.output, [["stderr", "oops"]])
    assert.equal(one.seen.exit.length, 1)
    assert.equal(one.seen.failed.length, 0)
    assert.equal(two.seen.exit.length, 0)
  })

  test("exit byte totals that differ from what was delivered raise SupervisorProtocolError", async () => {
    const { fake, conn } = await connected()
    const child = recorder()
    conn.register("c1", child.handlers)
    fake.send({ event: "output", id: "c1", stream: "stdout" }, Buffer.from("12345"))
    fake.send(exitEvent("c1", { stdout: 10, stderr: 0 }))
    await fake.settle()
    assert.equal(child.seen.exit.length, 0)
    assert.equal(child.seen.failed.length, 1)
    assert.ok(child.seen.failed[0] instanceof SupervisorProtocolError)
    assert.match(child.seen.failed[0]!.message, /stdout 10.*5/)
  })

  test("a cancel is answered by the child's exit, which carries no req", async () => {
    const { fake, conn } = await connected()
    conn.register("c1", recorder().handlers)
    const cancel = conn.request({ op: "cancel", id: "c1", signal: "SIGTERM", grace_ms: 10 })
    await fake.settle()
    assert.deepEqual(fake.ops("cancel")[0], { op: "cancel", id: "c1", signal: "SIGTERM", grace_ms: 10, req: 1 })
    fake.send(exitEvent("c1", undefined, { reason: "cancelled", code: null, signal: "SIGTERM" }))
    assert.equal(((await cancel) as ExitEvent).reason, "cancelled")
  })

  test("acks are sent for registered children only", async () => {
    const { fake, conn } = await connected()
    conn.register("c1", recorder().handlers)
    conn.ack("c1", 100)
    conn.ack("unknown", 5)
    conn.ack("c1", 0)
    await fake.settle()
    assert.deepEqual(fake.ops("ack"), [{ op: "ack", id: "c1", bytes: 100 }])
  })

  test("the stream ending with live children fails them and pending requests with SupervisorDiedError", async () => {
    const { fake, conn } = await connected()
    const child = recorder()
    conn.register("c1", child.handlers)
    const pending = conn.request({ op: "signal", id: "c1", signal: "SIGINT" })
    fake.toClient.end()
    await assert.rejects(pending, SupervisorDiedError)
    await fake.settle()
    assert.ok(child.seen.failed[0] instanceof SupervisorDiedError)
    await assert.rejects(conn.request({ op: "shutdown" }), SupervisorDiedError)
  })

  test("shutdown waits for goodbye and the end of the stream", async () => {
    const { fake, conn } = await connected()
    let done = false
    const closing = conn.shutdown().then(() => (done = true))
    await fake.settle()
    const req = fake.ops("shutdown")[0]!.req
    fake.send({ event: "goodbye", req })
    await fake.settle()
    assert.equal(done, false, "goodbye alone is not the end")
    fake.toClient.end()
    await closing
    assert.ok(conn.closed)
  })
})
