import type { Readable } from "node:stream"
import type { Drain } from "./types.js"

/** Bytes Node has read from a child's pipe so far (a socket's bytesRead), whatever the consumer took. */
export function bytesRead(stream: Readable | null): number {
  const socket = stream as (Readable & { bytesRead?: number }) | null
  return socket?.bytesRead ?? 0
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
