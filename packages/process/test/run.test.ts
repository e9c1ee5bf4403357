import assert from "node:assert/strict"
import { PassThrough, Readable } from "node:stream"
import { buffer } from "node:stream/consumers"
import { test } from "node:test"
import { readToEnd } from "../src/run.js"

/* readToEnd (src/run.ts): the supervisor's run() collector, held to what buffer() gives and refuses. */

test("readToEnd returns every chunk, in order, as buffer() does", async () => {
  const chunks = Array.from({ length: 300 }, (_, i) => Buffer.alloc((i * 37) % 5000, i))
  const got = await readToEnd(Readable.from(chunks))
  assert.deepEqual(got, await buffer(Readable.from(chunks)))
  assert.equal(got.length, chunks.reduce((n, c) => n + c.length, 0))
})

test("readToEnd of a stream that ends at once is an empty Buffer", async () => {
  const got = await readToEnd(Readable.from([]))
  assert.ok(Buffer.isBuffer(got))
  assert.equal(got.length, 0)
})

test("readToEnd rejects with the stream's error", async () => {
  const s = new PassThrough()
  const read = readToEnd(s)
  s.write(Buffer.from("some"))
  s.destroy(new Error("pipe broke"))
  await assert.rejects(read, /pipe broke/)
})

test("readToEnd rejects a stream closed before its end, as buffer() does", async () => {
  const s = new PassThrough()
  const read = readToEnd(s)
  const b = new PassThrough()
  const viaBuffer = buffer(b)
  s.write(Buffer.from("cut"))
  b.write(Buffer.from("cut"))
  s.destroy()
  b.destroy()
  await assert.rejects(read)
  await assert.rejects(viaBuffer)
})
