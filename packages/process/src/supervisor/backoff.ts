/**
 * A bounded, blocking wait for something another process will do soon (the sidecar answering on the
 * spawn channel): retried at once a few times, then with sleeps that double up to a cap, until a
 * deadline. The sleeps are `Atomics.wait` on a private cell nobody notifies: a timed sleep of the
 * calling thread that Node and Bun both allow on the main thread. Each retry of the caller is one
 * non-blocking read, so the first retries cost microseconds and later ones stay under the cap.
 */

/** Retries made at once, before the first sleep. */
const SPINS = 16
/** The first sleep and the longest one (ms): the cap bounds what a late answer adds to the wait. */
const FIRST_SLEEP_MS = 0.05
const MAX_SLEEP_MS = 1

const cell = new Int32Array(new SharedArrayBuffer(4))

/** Blocks the calling thread for `ms` (fractions allowed). */
export function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(cell, 0, 0, ms)
}

export class Backoff {
  private tries = 0

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
    this.tries++
    if (this.tries <= SPINS) return true
    sleepSync(Math.min(left, MAX_SLEEP_MS, FIRST_SLEEP_MS * 2 ** (this.tries - SPINS - 1)))
    return true
  }
}
