import type { Readable, Writable } from "node:stream"
import * as Effect from "effect/Effect"
import type * as PlatformError from "effect/PlatformError"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import type { Encoding } from "effect/process/ChildProcess"

type OnError = (err: unknown) => PlatformError.PlatformError

/**
 * A child's stdout or stderr as a Stream. The Readable is the protocol client's OutputStream, which acks
 * bytes to the sidecar only as they are taken from its buffer; Stream.fromAsyncIterable asks the iterator
 * for the next chunk only when the consumer pulls. So credit flows back at the consumer's pace, and a
 * consumer that stops reading stops the child within the sidecar's window (docs/reference/protocol.md, "Flow
 * control"). Ending the stream early (take, interruption) destroys the Readable, which gives the credit
 * back, so a child is never blocked by a consumer that has left.
 */
export function outputStream(readable: Readable | null, onError: OnError): Stream.Stream<Uint8Array, PlatformError.PlatformError> {
  if (!readable) return Stream.empty
  return Stream.fromAsyncIterable<Uint8Array, PlatformError.PlatformError>(readable, onError)
}

/**
 * The child's stdin as a Sink. Each chunk waits for the Writable's callback, which the protocol client
 * calls once the bytes are sent and its in-flight bound has room (stdin-writer.ts): a fast upstream is
 * slowed to what the child reads. Strings are accepted at run time and encoded with the stdin encoding,
 * as Effect's Node spawner does. On the upstream's end the pipe is closed (`close_stdin`) unless
 * `endOnDone` is false. Also an input descriptor's sink (fds.ts), whose failures are not made quiet.
 */
export function stdinSink(
  writable: Writable | null,
  config: { endOnDone: boolean; encoding: Encoding },
  onError: OnError,
): Sink.Sink<void, Uint8Array, never, PlatformError.PlatformError> {
  if (!writable) return Sink.drain
  // The callbacks below carry every failure; a listener keeps an 'error' event from being unhandled.
  writable.on("error", () => undefined)
  const encoding = config.encoding === "utf-8" ? "utf8" : config.encoding === "utf-16le" ? "utf16le" : config.encoding === "ucs-2" ? "ucs2" : config.encoding
  const write = (chunk: Uint8Array | string) =>
    Effect.callback<void, PlatformError.PlatformError>((resume) => {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk, encoding) : chunk
      if (writable.writableEnded || writable.destroyed) return resume(Effect.fail(onError(new Error("stdin is closed"))))
      writable.write(bytes, (err) => resume(err ? Effect.fail(onError(err)) : Effect.void))
    })
  // Closing waits for every write to be confirmed: a write the child's end refused fails here.
  const end = Effect.callback<void, PlatformError.PlatformError>((resume) => {
    if (!config.endOnDone || writable.writableEnded || writable.destroyed) return resume(Effect.void)
    writable.end((err?: Error | null) => resume(err ? Effect.fail(onError(err)) : Effect.void))
  })
  return Sink.forEach(write).pipe(Sink.mapEffect(() => end))
}
