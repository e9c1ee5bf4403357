/*
 * The fixture program's output pattern: 16-byte lines, line k being k in 15
 * lower-case hex digits and "\n". A stream of L bytes is intact iff it equals
 * the first L bytes of the pattern.
 */

const LINE = 16

export function patternBytes(offset: number, length: number): Buffer {
  const out = Buffer.alloc(length)
  let written = 0
  let line = Math.floor(offset / LINE)
  let skip = offset % LINE
  while (written < length) {
    const text = `${line.toString(16).padStart(15, "0")}\n`
    const piece = Buffer.from(text.slice(skip), "latin1")
    written += piece.copy(out, written, 0, Math.min(piece.length, length - written))
    skip = 0
    line++
  }
  return out
}

/**
 * Counts the bytes of one stream and checks them against the pattern.
 * `sample` checks only the edges of each chunk (enough to catch a lost,
 * duplicated or reordered chunk, which shifts every later edge) so a flood
 * of hundreds of MiB costs little CPU.
 */
export class PatternCheck {
  total = 0
  firstBadOffset: number | null = null

  constructor(private readonly sample = false) {}

  take(chunk: Buffer): void {
    if (this.firstBadOffset === null) {
      const edge = 64
      if (!this.sample || chunk.length <= 2 * edge) {
        this.compare(chunk, 0, chunk.length)
      } else {
        this.compare(chunk, 0, edge)
        this.compare(chunk, chunk.length - edge, edge)
      }
    }
    this.total += chunk.length
  }

  private compare(chunk: Buffer, from: number, length: number): void {
    if (this.firstBadOffset !== null) return
    const expected = patternBytes(this.total + from, length)
    const actual = chunk.subarray(from, from + length)
    if (expected.equals(actual)) return
    for (let i = 0; i < length; i++) {
      if (expected[i] !== actual[i]) {
        this.firstBadOffset = this.total + from + i
        return
      }
    }
  }

  get intact(): boolean {
    return this.firstBadOffset === null
  }
}
