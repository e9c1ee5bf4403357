import type { Readable } from "node:stream"
import type { Drain } from "./types.js"

type Pipe = Readable & { bytesRead?: number }
const arrivals = new WeakMap<Readable, { bytes: number }>()

/**
 * Starts counting the bytes that arrive from a child's pipe, for `bytesRead`. Node's pipes are sockets
 * that count them already; Bun's are plain Readables without `bytesRead`, so there the stream's `push`
 * (where every chunk read from the pipe enters it, whatever the consumer does) is counted instead. Call
 * it right after the spawn, before any data can arrive.
 */
export function countArrivals(stream: Readable | null): void {
  if (!stream || arrivals.has(stream) || typeof (stream as Pipe).bytesRead === "number") return
  const count = { bytes: 0 }
  arrivals.set(stream, count)
  const push = stream.push.bind(stream)
  stream.push = (chunk: unknown, encoding?: BufferEncoding) => {
    if (typeof chunk === "string") count.bytes += Buffer.byteLength(chunk, encoding)
    else if (chunk instanceof Uint8Array) count.bytes += chunk.byteLength
    return push(chunk, encoding)
  }
}

/** Bytes read from a child's pipe so far (see countArrivals), whatever the consumer took. */
export function bytesRead(stream: Readable | null): number {
  if (!stream) return 0
  const socket = stream as Pipe
  if (typeof socket.bytesRead === "number") return socket.bytesRead
  return arrivals.get(stream)?.bytes ?? 0
}

/** EOF has come from the pipe, whether or not the consumer has read up to it yet. */
export function sawEof(stream: Readable): boolean {
  // Node keeps "source ended" only in its stream state; readableEnded would also wait for the consumer.
  const state = (stream as Readable & { _readableState?: { ended?: boolean } })._readableState
  return state?.ended === true || stream.readableEnded || stream.destroyed
}

/** `none` with nothing piped, `complete` when every piped stream has seen EOF, else `cut`. */
export function drainOf(piped: Array<Readable | null>): Drain {
  const streams = piped.filter((s): s is Readable => s !== null)
  if (streams.length === 0) return "none"
  return streams.every(sawEof) ? "complete" : "cut"
}
