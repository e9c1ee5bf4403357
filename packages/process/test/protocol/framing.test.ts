import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { FrameDecoder, FramingError, encodeFrame, type Decoded } from "../../src/protocol/framing.js"

function frames(items: Decoded[]) {
  return items.map((i) => ("frame" in i ? i.frame : assert.fail(`unexpected error ${i.error.message}`)))
}

function rawFrame(headerText: string, payload = Buffer.alloc(0)): Buffer {
  const header = Buffer.from(headerText)
  const prefix = Buffer.alloc(8)
  prefix.writeUInt32BE(header.length, 0)
  prefix.writeUInt32BE(payload.length, 4)
  return Buffer.concat([prefix, header, payload])
}

describe("framing", () => {
  test("a frame round-trips with its binary payload", () => {
    const payload = Buffer.from([0, 255, 10, 13, 0x80])
    const [frame] = frames(new FrameDecoder().push(encodeFrame({ event: "output", id: "c1" }, payload)))
    assert.deepEqual(frame!.header, { event: "output", id: "c1" })
    assert.deepEqual(frame!.payload, payload)
  })

  test("frames split at every byte boundary are reassembled in order", () => {
    const wire = Buffer.concat([
      encodeFrame({ n: 1 }),
      encodeFrame({ n: 2 }, Buffer.from("payload-two")),
      encodeFrame({ n: 3 }, Buffer.alloc(70_000, 7)),
    ])
    const decoder = new FrameDecoder()
    const out: Decoded[] = []
    for (let i = 0; i < wire.length; i++) out.push(...decoder.push(wire.subarray(i, i + 1)))
    const got = frames(out)
    assert.deepEqual(got.map((f) => f.header.n), [1, 2, 3])
    assert.equal(got[1]!.payload.toString(), "payload-two")
    assert.deepEqual(got[2]!.payload, Buffer.alloc(70_000, 7))
    assert.equal(decoder.end(), null)
  })

  test("a payload spanning read chunks comes out as views of them, a small part of a large chunk copied", () => {
    // As Node reads a 256 KiB frame: its own chunks, each with its own memory.
    const payload = Buffer.alloc(150_000)
    for (let i = 0; i < payload.length; i++) payload[i] = i % 251
    const wire = Buffer.concat([encodeFrame({ n: 1 }, Buffer.from("tiny")), encodeFrame({ n: 2 }, payload)])
    const cuts = [0, 65_536, 131_072, wire.length]
    const chunks = cuts.slice(1).map((end, i) => Buffer.from(wire.subarray(cuts[i], end)))
    const decoder = new FrameDecoder()
    const got = frames(chunks.flatMap((c) => decoder.push(c)))
    assert.equal(got.length, 2)
    const tiny = got[0]!
    assert.equal(tiny.pieces.length, 1)
    assert.notEqual(tiny.pieces[0]!.buffer, chunks[0]!.buffer, "4 bytes of a 64 KiB chunk are copied out")
    const big = got[1]!
    assert.deepEqual(
      big.pieces.map((p) => p.buffer),
      chunks.map((c) => c.buffer),
      "each piece is a view of the chunk it arrived in",
    )
    assert.deepEqual(Buffer.concat(big.pieces as Buffer[]), payload)
    assert.deepEqual(big.payload, payload)
    assert.equal(decoder.pending, 0)
  })

  test("several frames in one chunk all come out", () => {
    const wire = Buffer.concat([encodeFrame({ a: 1 }), encodeFrame({ b: 2 }), encodeFrame({ c: 3 })])
    assert.equal(frames(new FrameDecoder().push(wire)).length, 3)
  })

  test("an oversize payload is reported and skipped without losing sync", () => {
    const decoder = new FrameDecoder({ maxPayload: 100 })
    const big = encodeFrame({ big: true }, Buffer.alloc(1000, 1))
    const next = encodeFrame({ after: true })
    const out = [...decoder.push(big.subarray(0, 50)), ...decoder.push(big.subarray(50, 600))]
    out.push(...decoder.push(Buffer.concat([big.subarray(600), next])))
    assert.equal(out.length, 2)
    assert.ok("error" in out[0]! && out[0].error.kind === "frame_too_large")
    assert.deepEqual(frames(out.slice(1))[0]!.header, { after: true })
    assert.ok(decoder.pending === 0)
  })

  test("an oversize header is reported and skipped", () => {
    const decoder = new FrameDecoder({ maxHeader: 16 })
    const out = decoder.push(Buffer.concat([encodeFrame({ long: "x".repeat(100) }), encodeFrame({ ok: 1 })]))
    assert.ok("error" in out[0]! && out[0].error.kind === "frame_too_large")
    assert.deepEqual(frames(out.slice(1))[0]!.header, { ok: 1 })
  })

  test("a stream that ends inside a frame is truncated", () => {
    const decoder = new FrameDecoder()
    const wire = encodeFrame({ event: "exit" }, Buffer.from("abc"))
    assert.deepEqual(decoder.push(wire.subarray(0, wire.length - 1)), [])
    const err = decoder.end()
    assert.ok(err instanceof FramingError)
    assert.equal(err.kind, "truncated")
    assert.equal(new FrameDecoder().end(), null, "a clean EOF between frames is fine")
  })

  test("a prefix cut short is truncated too", () => {
    const decoder = new FrameDecoder()
    decoder.push(Buffer.from([0, 0, 0]))
    assert.equal(decoder.end()?.kind, "truncated")
  })

  for (const bad of ["[1,2]", "42", "null", '"text"', "{not json"]) {
    test(`a header that is not a JSON object (${bad}) is bad_frame and skipped`, () => {
      const out = new FrameDecoder().push(Buffer.concat([rawFrame(bad, Buffer.from("zz")), encodeFrame({ ok: 1 })]))
      assert.equal(out.length, 2)
      assert.ok("error" in out[0]! && out[0].error.kind === "bad_frame")
      assert.deepEqual(frames(out.slice(1))[0]!.header, { ok: 1 })
    })
  }
})
