import assert from "node:assert/strict"
import { afterEach, beforeEach, describe, test } from "node:test"
import { setTimeout as sleep } from "node:timers/promises"
import {
  SupervisorDiedError,
  SupervisorProtocolError,
  SupervisorRequestError,
} from "../../src/errors.js"
import { Connection, type ChildHandlers } from "../../src/protocol/connection.js"
import type { ExitEvent, SpawnRequest } from "../../src/protocol/messages.js"
import { encodeFrame } from "../../src/protocol/framing.js"
import { FakeSidecar, HELLO } from "../support/fake-sidecar.js"

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
    fake.send({ event: "signalled", req: rb!.req, id: "c1", signal: "SIGUSR1", pids: [1002] })
    fake.send({ event: "signalled", req: ra!.req, id: "c1", signal: "SIGINT", pids: [1001] })
    assert.deepEqual(((await a) as { pids: number[] }).pids, [1001])
    assert.deepEqual(((await b) as { pids: number[] }).pids, [1002])
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

/** A connection whose breakage is recorded, as the Sidecar class records it to kill the process. */
async function watched(options: { livenessMs?: number } = {}) {
  const fake = new FakeSidecar()
  const broken: Error[] = []
  const opening = Connection.open(fake.transport, { ...options, onBroken: (err) => broken.push(err) })
  fake.send(HELLO)
  return { fake, conn: await opening, broken }
}

describe("every event is checked at the connection", () => {
  // Each kind of bad event a sidecar of another build could send: none may crash the host or reach a caller.
  const bad: Array<[string, (req: number) => Record<string, unknown>]> = [
    ["an unknown event", (req) => ({ event: "spawnt", req, id: "c1", pid: 5001, pgid: 5001 })],
    ["no event name", (req) => ({ req, id: "c1", pid: 5001 })],
    ["a pid that is a string", (req) => ({ event: "spawned", req, id: "c1", pid: "5001", pgid: 5001 })],
    ["a pid of 0", (req) => ({ event: "spawned", req, id: "c1", pid: 0, pgid: 0 })],
    ["an answer of another kind", (req) => ({ event: "written", req, id: "c1", bytes: 0 })],
    ["an answer for another child", (req) => ({ event: "spawned", req, id: "c2", pid: 5001, pgid: 5001 })],
    ["an error without a code", (req) => ({ event: "error", req, message: "no code" })],
    ["a second hello", () => ({ ...HELLO })],
  ]
  for (const [what, event] of bad) {
    test(`${what} fails what is pending with the reason and reports the sidecar broken`, async () => {
      const { fake, conn, broken } = await watched()
      const child = recorder()
      conn.register("c1", child.handlers)
      const spawn = conn.request({ op: "spawn", id: "c1", argv: ["x"], cwd: null, env: { mode: "inherit" }, stdin: "ignore", stdout: "pipe", stderr: "ignore", timeout_ms: null })
      await fake.settle()
      fake.send(event(fake.ops("spawn")[0]!.req as number))
      await assert.rejects(spawn, (err: Error) => err instanceof SupervisorProtocolError && /broke the protocol/.test(err.message))
      await fake.settle()
      assert.equal(broken.length, 1, "the owner was not told to end the sidecar")
      assert.equal(child.seen.failed.length, 1)
      assert.equal(child.seen.exit.length, 0, "a value was passed on after the bad event")
      assert.ok(conn.closed)
      await assert.rejects(conn.request({ op: "shutdown" }), SupervisorProtocolError)
    })
  }

  const badChildEvents: Array<[string, Record<string, unknown>, Buffer?]> = [
    ["an output of an unknown stream", { event: "output", id: "c1", stream: "stdlog" }, Buffer.from("x")],
    ["an output of a descriptor below 3", { event: "output", id: "c1", stream: "fd2" }, Buffer.from("x")],
    ["a root_exited with neither code nor signal", { event: "root_exited", id: "c1", code: null, signal: null }],
    ["an exit whose byte totals name an unknown channel", exitEvent("c1", { stdout: 0, stderr: 0, stdlog: 1 } as ExitEvent["bytes"])],
    ["an exit with an unknown reason", exitEvent("c1", undefined, { reason: "vanished" as ExitEvent["reason"] })],
    ["an exit with both code and signal", exitEvent("c1", undefined, { signal: "SIGTERM" })],
    ["an exit with neither code nor signal", exitEvent("c1", undefined, { code: null })],
    ["an exit with an unknown drain", exitEvent("c1", undefined, { drain: "partial" as ExitEvent["drain"] })],
    ["an exit with a negative byte total", exitEvent("c1", { stdout: -1, stderr: 0 })],
    ["an exit whose killed pids are not pids", exitEvent("c1", undefined, { killed_pids: ["7"] as unknown as number[] })],
    ["a released with an unknown reason", { event: "released", id: "c1", reason: "gone", killed_pids: [] }],
  ]
  for (const [what, event, payload] of badChildEvents) {
    test(`${what} fails the child with the reason instead of reaching it`, async () => {
      const { fake, conn, broken } = await watched()
      const child = recorder()
      conn.register("c1", child.handlers)
      fake.send(event, payload)
      await fake.settle()
      assert.deepEqual([child.seen.output.length, child.seen.exit.length], [0, 0], "a value was passed on")
      assert.equal(child.seen.failed.length, 1)
      assert.ok(child.seen.failed[0] instanceof SupervisorProtocolError)
      assert.equal(broken.length, 1)
      assert.match(broken[0]!.message, /pid 4242\) broke the protocol/)
    })
  }

  test("a frame that is not JSON, or over the limit, breaks the connection too", async () => {
    for (const header of [Buffer.from("{not json"), Buffer.alloc(2 * 1024 * 1024, 0x20)]) {
      const { fake, conn, broken } = await watched()
      const pending = conn.request({ op: "signal", id: "c1", signal: "SIGINT" })
      const prefix = Buffer.alloc(8)
      prefix.writeUInt32BE(header.length, 0)
      fake.toClient.write(Buffer.concat([prefix, header]))
      await assert.rejects(pending, SupervisorProtocolError)
      assert.equal(broken.length, 1)
    }
  })

  test("unknown fields and unknown error codes are tolerated", async () => {
    const { fake, conn, broken } = await watched()
    const child = recorder()
    conn.register("c1", child.handlers)
    const signal = conn.request({ op: "signal", id: "c1", signal: "SIGINT" })
    const cancel = conn.request({ op: "cancel", id: "c9" })
    await fake.settle()
    fake.send({ event: "signalled", req: fake.ops("signal")[0]!.req, id: "c1", signal: "SIGINT", pids: [1001], since: "v2" })
    fake.send({ event: "error", req: fake.ops("cancel")[0]!.req, code: "brand_new_code", message: "new", hint: 1 })
    fake.send({ ...exitEvent("c1"), containment: "cgroup", extra: { nested: true } })
    assert.deepEqual(((await signal) as { pids: number[] }).pids, [1001])
    await assert.rejects(cancel, (err: SupervisorRequestError) => err.code === "brand_new_code")
    await fake.settle()
    assert.equal(child.seen.exit.length, 1)
    assert.equal(broken.length, 0)
  })

  test("a hello that fails its check is refused, naming the field", async () => {
    const fake = new FakeSidecar()
    const opening = Connection.open(fake.transport)
    fake.send({ ...HELLO, limits: { max_header: "big" } })
    await assert.rejects(opening, (err: Error) => err instanceof SupervisorProtocolError && /limits\.max_header/.test(err.message))
  })
})

describe("requests the sidecar could not take", () => {
  test("op, req and id come first in every request, so a sidecar can name a frame it does not decode", async () => {
    const { fake, conn } = await connected()
    void conn.request({ op: "signal", id: "c1", signal: "SIGINT" }).catch(() => undefined)
    await fake.settle()
    const raw: Buffer[] = []
    fake.fromClient.on("data", (c: Buffer) => raw.push(c))
    void conn.request({ op: "cancel", id: "c7", grace_ms: 1 }).catch(() => undefined)
    await fake.settle()
    assert.match(Buffer.concat(raw).subarray(8).toString(), /^\{"op":"cancel","req":2,"id":"c7",/)
  })

  test("a header over the sidecar's max_header is refused unsent: frame_too_large, E2BIG for a spawn", async () => {
    const { fake, conn } = await connected()
    const huge = "x".repeat(HELLO.limits.max_header)
    const spawn = conn.request({ op: "spawn", id: "c1", argv: ["sh", huge], cwd: null, env: { mode: "inherit" }, stdin: "ignore", stdout: "ignore", stderr: "ignore", timeout_ms: null })
    await assert.rejects(spawn, (err: SupervisorRequestError) => err.code === "frame_too_large" && err.errno === "E2BIG")
    const signal = conn.request({ op: "signal", id: "c1", signal: huge })
    await assert.rejects(signal, (err: SupervisorRequestError) => err.code === "frame_too_large" && err.errno === undefined)
    await fake.settle()
    assert.equal(fake.requests.length, 0, "an oversized request was sent")
    assert.ok(!conn.closed, "a refused request broke the connection")
  })
})

describe("liveness", () => {
  const spawnBody: SpawnRequest = { op: "spawn", id: "c1", argv: ["x"], cwd: null, env: { mode: "inherit" }, stdin: "ignore", stdout: "ignore", stderr: "ignore", timeout_ms: null }
  // The check's timer never keeps a process alive (a real sidecar's pipes do while work is pending); the
  // in-memory streams here hold nothing, so the tests hold the loop themselves.
  let hold: NodeJS.Timeout
  beforeEach(() => (hold = setInterval(() => undefined, 1_000)))
  afterEach(() => clearInterval(hold))

  test("a sidecar that leaves a ping unanswered past the bound fails what is pending, naming the cause", async () => {
    const { fake, conn, broken } = await watched({ livenessMs: 200 })
    const child = recorder()
    conn.register("c1", child.handlers)
    const spawn = conn.request(spawnBody)
    // Hang guard only: the verdict needs the bound and five ticks.
    await assert.rejects(spawn, (err: Error) => err instanceof SupervisorDiedError && /pid 4242\) stopped answering: no answer to a ping in \d+ ms/.test(err.message))
    assert.ok(fake.ops("ping").length >= 1, "no ping was sent")
    assert.equal(broken.length, 1)
    assert.ok(child.seen.failed[0] instanceof SupervisorDiedError)
  })

  test("a sidecar that answers its pings is kept, and an idle one is not pinged", async () => {
    const { fake, conn, broken } = await watched({ livenessMs: 100 })
    fake.fromClient.on("data", () =>
      setImmediate(() => {
        for (const ping of fake.ops("ping").filter((p) => !answered.has(p.req as number))) {
          answered.add(ping.req as number)
          fake.send({ event: "pong", req: ping.req })
        }
      }),
    )
    const answered = new Set<number>()
    assert.equal(fake.ops("ping").length, 0)
    await sleep(300)
    assert.equal(fake.ops("ping").length, 0, "an idle sidecar was pinged")
    conn.register("c1", recorder().handlers)
    await sleep(600)
    assert.ok(fake.ops("ping").length >= 2, `pings while a child lives: ${fake.ops("ping").length}`)
    assert.equal(broken.length, 0)
    assert.ok(!conn.closed)
  })

  test("an error answering the ping (a sidecar from before ping) proves it alive", async () => {
    const { fake, conn, broken } = await watched({ livenessMs: 100 })
    fake.fromClient.on("data", () =>
      setImmediate(() => {
        for (const ping of fake.ops("ping").filter((p) => !answered.has(p.req as number))) {
          answered.add(ping.req as number)
          fake.send({ event: "error", req: ping.req, code: "bad_request", message: "unknown variant `ping`" })
        }
      }),
    )
    const answered = new Set<number>()
    conn.register("c1", recorder().handlers)
    await sleep(600)
    assert.ok(answered.size >= 2)
    assert.equal(broken.length, 0)
  })

  test("a host whose event loop was blocked past the bound does not blame a sidecar that answered", async () => {
    const { fake, conn, broken } = await watched({ livenessMs: 100 })
    conn.register("c1", recorder().handlers)
    await waitFor(() => fake.ops("ping").length === 1)
    const req = fake.ops("ping")[0]!.req
    const until = Date.now() + 500
    while (Date.now() < until) {
      // busy: no timer, no I/O callback runs
    }
    // Read only after the check's own overdue tick has run, as an answer waiting in a pipe would be: that
    // tick sees a ping outstanding for five bounds, and must not take it for silence.
    setTimeout(() => fake.send({ event: "pong", req }), 0)
    await sleep(50)
    assert.equal(broken.length, 0, String(broken[0]))
  })
})

async function waitFor(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met within the hang guard")
    await sleep(5)
  }
}

describe("cancels answered by the child's end", () => {
  test("a cancel that reached the sidecar after the exit is answered twice; the late unknown_child is no protocol error", async () => {
    const fake = new FakeSidecar()
    const errors: Error[] = []
    const opening = Connection.open(fake.transport, { onProtocolError: (err) => errors.push(err) })
    fake.send(HELLO)
    const conn = await opening
    const { handlers } = recorder()
    conn.register("c1", handlers)
    const cancel = conn.request({ op: "cancel", id: "c1" })
    await fake.settle()
    const req = fake.ops("cancel")[0]!.req as number
    fake.send(exitEvent("c1"))
    assert.equal(((await cancel) as ExitEvent).event, "exit")
    fake.send({ event: "error", req, id: "c1", code: "unknown_child", message: "child \"c1\" has already exited" })
    // Any other unmatched error still is one.
    fake.send({ event: "error", req: 999, code: "unknown_child", message: "no child" })
    await fake.settle()
    assert.deepEqual(errors.map((e) => e.message), ["no child"])
  })
})
