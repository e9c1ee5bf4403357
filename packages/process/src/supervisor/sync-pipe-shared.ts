/** The cells the Windows spawn channel's two threads share (sync-pipe-windows.ts, sync-pipe-worker.ts). */
export const CTL = {
  /** Bumped by the worker each time a result is ready (the main thread waits on it). */
  done: 0,
  status: 1,
  /** Bytes of the result in the answer buffer. */
  length: 2,
  /** Set by the main thread: stop trying to open the pipe. */
  cancelled: 3,
} as const

export const CTL_CELLS = 4

/** ok: the result is a frame header (JSON); unsent: failed before the request was written; failed: after. */
export const STATUS = { ok: 0, unsent: 1, failed: 2 } as const

/** Room for one answer's header: a `spawned` or `error` is a few hundred bytes. */
export const ANSWER_BYTES = 64 * 1024
