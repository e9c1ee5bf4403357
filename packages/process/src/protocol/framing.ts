/*
 * Frames of the sidecar protocol (docs/reference/protocol.md, "Framing"):
 *   header_len u32 BE | payload_len u32 BE | header (UTF-8 JSON object) | payload (raw bytes)
 * The decoder is incremental: feed it whatever chunks the pipe delivers, take whole frames out.
 */

export const PREFIX_LEN = 8
export const DEFAULT_MAX_HEADER = 1024 * 1024
export const DEFAULT_MAX_PAYLOAD = 16 * 1024 * 1024

export type Header = Record<string, unknown>

export interface Frame {
  header: Header
  /** The payload in one buffer; joined on first use when it arrived in several pieces. */
  readonly payload: Buffer
  /**
   * The payload as it arrived, in order: views of the read chunks it came in, without a copy, except
   * that a piece smaller than half of its chunk is copied out so it does not pin the whole chunk. Empty
   * for no payload.
   */
  readonly pieces: readonly Buffer[]
}

class DecodedFrame implements Frame {
  private joined: Buffer | null = null

  constructor(
    readonly header: Header,
    readonly pieces: readonly Buffer[],
  ) {}

  get payload(): Buffer {
    this.joined ??= this.pieces.length === 1 ? this.pieces[0]! : Buffer.concat(this.pieces as Buffer[])
    return this.joined
  }
}

export type FramingErrorKind = "frame_too_large" | "bad_frame" | "truncated"

export class FramingError extends Error {
  readonly kind: FramingErrorKind

  constructor(kind: FramingErrorKind, message: string) {
    super(message)
    this.name = "FramingError"
    this.kind = kind
  }
}

export interface FrameLimits {
  maxHeader: number
  maxPayload: number
}

export function encodeFrame(header: Header, payload: Buffer = Buffer.alloc(0)): Buffer {
  const json = Buffer.from(JSON.stringify(header), "utf8")
  const prefix = Buffer.alloc(PREFIX_LEN)
  prefix.writeUInt32BE(json.length, 0)
  prefix.writeUInt32BE(payload.length, 4)
  return Buffer.concat([prefix, json, payload])
}

/** One decoded item: a frame, or an error for a frame that was skipped (the stream stays in sync). */
export type Decoded = { frame: Frame } | { error: FramingError }

export class FrameDecoder {
  private chunks: Buffer[] = []
  private buffered = 0
  /** Bytes of an oversize frame still to be thrown away as they arrive, never buffered. */
  private skipping = 0
  private readonly limits: FrameLimits

  constructor(limits: Partial<FrameLimits> = {}) {
    this.limits = {
      maxHeader: limits.maxHeader ?? DEFAULT_MAX_HEADER,
      maxPayload: limits.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    }
  }

  /** Bytes held for a frame not yet complete. */
  get pending(): number {
    return this.buffered + this.skipping
  }

  push(chunk: Buffer): Decoded[] {
    const out: Decoded[] = []
    if (this.skipping > 0) {
      const skip = Math.min(this.skipping, chunk.length)
      this.skipping -= skip
      chunk = chunk.subarray(skip)
    }
    if (chunk.length > 0) {
      this.chunks.push(chunk)
      this.buffered += chunk.length
    }
    for (;;) {
      const item = this.next()
      if (!item) break
      out.push(item)
    }
    return out
  }

  /** Call at EOF: a partial frame left over is an error. */
  end(): FramingError | null {
    if (this.pending === 0) return null
    const held = this.pending
    this.chunks = []
    this.buffered = 0
    this.skipping = 0
    return new FramingError("truncated", `stream ended inside a frame (${held} bytes of it received)`)
  }

  /** Drops the first n buffered bytes (n <= buffered). */
  private skip(n: number): void {
    this.buffered -= n
    while (n > 0) {
      const chunk = this.chunks[0]!
      if (chunk.length > n) {
        this.chunks[0] = chunk.subarray(n)
        return
      }
      n -= chunk.length
      this.chunks.shift()
    }
  }

  /** The first n buffered bytes in one buffer: a view when one chunk holds them, else a copy. */
  private takeJoined(n: number): Buffer {
    const first = this.chunks[0]
    if (first && first.length >= n) {
      const bytes = first.subarray(0, n)
      this.skip(n)
      return bytes
    }
    const out = Buffer.allocUnsafe(n)
    let filled = 0
    while (filled < n) {
      const chunk = this.chunks[0]!
      const k = Math.min(chunk.length, n - filled)
      chunk.copy(out, filled, 0, k)
      filled += k
      this.skip(k)
    }
    return out
  }

  /**
   * The first n buffered bytes as pieces, one per read chunk they sit in, without a copy: a 64 KiB
   * output frame spans two of Node's 64 KiB reads, and joining them copied nearly every byte once more
   * (docs/reference/load-and-hostile-input.md). A piece under half of its chunk's memory is copied out instead, so
   * a small payload does not keep a large read buffer alive: what the pieces hold is at most twice
   * their bytes.
   */
  private takePieces(n: number): Buffer[] {
    const pieces: Buffer[] = []
    while (n > 0) {
      const chunk = this.chunks[0]!
      const k = Math.min(chunk.length, n)
      const view = chunk.subarray(0, k)
      pieces.push(k * 2 >= view.buffer.byteLength ? view : Buffer.from(view))
      this.skip(k)
      n -= k
    }
    return pieces
  }

  private peekPrefix(): [number, number] | null {
    if (this.buffered < PREFIX_LEN) return null
    let first = this.chunks[0]!
    if (first.length < PREFIX_LEN) {
      // Copy just the prefix's bytes out of the leading chunks, never a whole chunk.
      const prefix = Buffer.allocUnsafe(PREFIX_LEN)
      let filled = 0
      for (const chunk of this.chunks) {
        filled += chunk.copy(prefix, filled, 0, Math.min(chunk.length, PREFIX_LEN - filled))
        if (filled === PREFIX_LEN) break
      }
      first = prefix
    }
    return [first.readUInt32BE(0), first.readUInt32BE(4)]
  }

  private next(): Decoded | null {
    const prefix = this.peekPrefix()
    if (!prefix) return null
    const [headerLen, payloadLen] = prefix
    const total = PREFIX_LEN + headerLen + payloadLen
    if (headerLen > this.limits.maxHeader || payloadLen > this.limits.maxPayload) {
      const have = Math.min(this.buffered, total)
      if (have > 0) this.skip(have)
      this.skipping = total - have
      const what = headerLen > this.limits.maxHeader ? `header of ${headerLen}` : `payload of ${payloadLen}`
      return { error: new FramingError("frame_too_large", `frame with a ${what} bytes is over the limit`) }
    }
    if (this.buffered < total) return null
    this.skip(PREFIX_LEN)
    const headerBytes = this.takeJoined(headerLen)
    const pieces = this.takePieces(payloadLen)
    let header: unknown
    try {
      header = JSON.parse(headerBytes.toString("utf8"))
    } catch (err) {
      return { error: new FramingError("bad_frame", `frame header is not valid JSON: ${(err as Error).message}`) }
    }
    if (header === null || typeof header !== "object" || Array.isArray(header)) {
      return { error: new FramingError("bad_frame", "frame header is not a JSON object") }
    }
    return { frame: new DecodedFrame(header as Header, pieces) }
  }
}
