import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { Connection } from "../../src/protocol/connection.js"
import { OutputStream } from "../../src/protocol/output-stream.js"
import { StdinWriter } from "../../src/protocol/stdin-writer.js"
import { FakeSidecar, HELLO } from "../support/fake-sidecar.js"

describe("output credit", () => {
  test("bytes are acked while the buffer has room, the rest only when the consumer reads", () => {
    const acks: number[] = []
    const stream = new OutputStream((n) => acks.push(n))
    const chunk = Buffer.alloc(16 * 1024, 1)
    for (let i = 0; i < 8; i++) stream.deliver(chunk)
    const acked = acks.reduce((a, b) => a + b, 0)
    assert.ok(acked < 8 * chunk.length, "a consumer that does not read must not get full credit")
    assert.ok(acked > 0, "credit is given while below the high-water mark")
    while (stream.read() !== null) {
      // drain everything as a consumer would
    }
    assert.equal(acks.reduce((a, b) => a + b, 0), 8 * chunk.length)
  })

  test("output for a destroyed stream is acked at once", () => {
    const acks: number[] = []
    const stream = new OutputStream((n) => acks.push(n))
    stream.destroy()
    stream.deliver(Buffer.alloc(10))
    assert.deepEqual(acks, [10])
  })
})

describe("stdin writes", () => {
  test("in-flight bytes stay under the bound until written acks arrive", async () => {
    const fake = new FakeSidecar()
    const opening = Connection.open(fake.transport)
    fake.send(HELLO)
    const conn = await opening
    const writer = new StdinWriter(conn, "c1", 1000)
    let finished = false
    const writing = writer.write(Buffer.alloc(3500, 9)).then(() => (finished = true))
    await fake.settle()
    assert.equal(finished, false)
    assert.ok(writer.bytesInFlight <= 1000, `in flight: ${writer.bytesInFlight}`)
    for (let answered = 0; !finished && answered < 10; answered++) {
      for (const w of fake.ops("write").slice(answered, answered + 1)) {
        fake.send({ event: "written", req: w.req, id: "c1", bytes: 1000 })
      }
      await fake.settle()
    }
    await writing
    const frames = fake.requests.filter((r) => r.header.op === "write")
    assert.equal(frames.reduce((n, f) => n + f.payload.length, 0), 3500)
    assert.ok(frames.every((f) => f.payload.length <= 1000))
  })

  test("a write error is reported to the next write", async () => {
    const fake = new FakeSidecar()
    const opening = Connection.open(fake.transport)
    fake.send(HELLO)
    const writer = new StdinWriter(await opening, "c1", 1000)
    await writer.write(Buffer.alloc(10))
    await fake.settle()
    fake.send({ event: "error", req: fake.ops("write")[0]!.req, id: "c1", code: "stdin_closed", message: "closed" })
    await fake.settle()
    await assert.rejects(writer.write(Buffer.alloc(10)), { code: "stdin_closed" })
  })
})
