/**
 * A bounded, blocking wait for something another process will do soon (the sidecar answering on the
 * spawn channel): sleeps that double up to a cap between the caller's retries, until a deadline. The
 * sleeps are `Atomics.wait` on a private cell nobody notifies: a timed sleep of the calling thread that
 * Node and Bun both allow on the main thread. Each retry of the caller is one non-blocking read; none is
 * made at once, since an answer needs the sidecar to fork and exec first, and a failed read costs Node
 * an error object.
 */

/**
 * The first sleep, and the longest (ms): the cap bounds what an answer adds to the wait by arriving just
 * after a wake-up. Short while an answer is due (a spawn's comes within milliseconds), longer once the
 * wait is already long, where a wake-up costs more than the delay it saves.
 */
const FIRST_SLEEP_MS = 0.05
const MAX_SLEEP_MS = 0.1
const LONG_WAIT_MS = 20
const MAX_SLEEP_LONG_MS = 1

const cell = new Int32Array(new SharedArrayBuffer(4))

/** Blocks the calling thread for `ms` (fractions allowed). */
export function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(cell, 0, 0, ms)
}

export class Backoff {
  private tries = 0
  private readonly started = performance.now()

  /** `deadline`: a `performance.now()` value. */
  constructor(readonly deadline: number) {}

  /** The time left, in ms (0 once the deadline has passed). */
  get left(): number {
    return Math.max(0, this.deadline - performance.now())
  }

  /** Waits before the next retry; false, without waiting, once the deadline has passed. */
  next(): boolean {
    const left = this.left
    if (left <= 0) return false
    const cap = performance.now() - this.started < LONG_WAIT_MS ? MAX_SLEEP_MS : MAX_SLEEP_LONG_MS
    sleepSync(Math.min(left, cap, FIRST_SLEEP_MS * 2 ** Math.min(this.tries++, 8)))
    return true
  }
}
