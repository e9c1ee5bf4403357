/*
 * Frames of the sidecar protocol (docs/protocol.md, "Framing"):
 *   header_len u32 BE | payload_len u32 BE | header (UTF-8 JSON object) | payload (raw bytes)
 * The decoder is incremental: feed it whatever chunks the pipe delivers, take whole frames out.
 */

export const PREFIX_LEN = 8
export const DEFAULT_MAX_HEADER = 1024 * 1024
export const DEFAULT_MAX_PAYLOAD = 16 * 1024 * 1024

export type Header = Record<string, unknown>

export interface Frame {
  header: Header
  payload: Buffer
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

  /**
   * Removes the first n buffered bytes. A frame inside one read chunk comes back as a view of it
   * (`fresh: false`); one spanning chunks is copied once into a buffer of its own (`fresh: true`). Only
   * the bytes of this frame are ever copied: joining every buffered chunk per frame copied a 64 KiB
   * output frame three times (measured in docs/bench-linux.md).
   */
  private take(n: number): { bytes: Buffer; fresh: boolean } {
    const first = this.chunks[0]!
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift()
      else this.chunks[0] = first.subarray(n)
      this.buffered -= n
      return { bytes: first.subarray(0, n), fresh: false }
    }
    const out = Buffer.allocUnsafe(n)
    let filled = 0
    while (filled < n) {
      const chunk = this.chunks[0]!
      const k = Math.min(chunk.length, n - filled)
      chunk.copy(out, filled, 0, k)
      filled += k
      if (k === chunk.length) this.chunks.shift()
      else this.chunks[0] = chunk.subarray(k)
    }
    this.buffered -= n
    return { bytes: out, fresh: true }
  }

  private peekPrefix(): [number, number] | null {
    if (this.buffered < PREFIX_LEN) return null
    // Join just enough leading chunks to read the prefix, not everything buffered.
    while (this.chunks[0]!.length < PREFIX_LEN) this.chunks.splice(0, 2, Buffer.concat([this.chunks[0]!, this.chunks[1]!]))
    const first = this.chunks[0]!
    return [first.readUInt32BE(0), first.readUInt32BE(4)]
  }

  private next(): Decoded | null {
    const prefix = this.peekPrefix()
    if (!prefix) return null
    const [headerLen, payloadLen] = prefix
    const total = PREFIX_LEN + headerLen + payloadLen
    if (headerLen > this.limits.maxHeader || payloadLen > this.limits.maxPayload) {
      const have = Math.min(this.buffered, total)
      if (have > 0) this.take(have)
      this.skipping = total - have
      const what = headerLen > this.limits.maxHeader ? `header of ${headerLen}` : `payload of ${payloadLen}`
      return { error: new FramingError("frame_too_large", `frame with a ${what} bytes is over the limit`) }
    }
    if (this.buffered < total) return null
    const { bytes, fresh } = this.take(total)
    const headerBytes = bytes.subarray(PREFIX_LEN, PREFIX_LEN + headerLen)
    // A view into a read chunk is copied out so it does not pin the whole chunk in memory.
    const payloadView = bytes.subarray(PREFIX_LEN + headerLen)
    const payload = fresh ? payloadView : Buffer.from(payloadView)
    let header: unknown
    try {
      header = JSON.parse(headerBytes.toString("utf8"))
    } catch (err) {
      return { error: new FramingError("bad_frame", `frame header is not valid JSON: ${(err as Error).message}`) }
    }
    if (header === null || typeof header !== "object" || Array.isArray(header)) {
      return { error: new FramingError("bad_frame", "frame header is not a JSON object") }
    }
    return { frame: { header: header as Header, payload } }
  }
}
