import { randomBytes } from "node:crypto"
import { Worker } from "node:worker_threads"
import type { Header } from "../protocol/framing.js"
import { SyncChannelError, type SyncChannel, type SyncPlan } from "./sync-channel.js"
import { ANSWER_BYTES, CTL, CTL_CELLS, STATUS } from "./sync-pipe-shared.js"

/**
 * The spawn channel on Windows: a named pipe the sidecar creates under a name chosen here at random.
 * Node cannot open a pipe for non-blocking reads on Windows (fs opens it synchronous), and a read
 * there blocks until data comes. So the blocking reads and writes are a worker thread's
 * (sync-pipe-worker.ts), and this thread waits for the worker's answer with `Atomics.wait`, which
 * takes a timeout: the wait is bounded even when the read is not. When the wait runs out the caller
 * kills the sidecar, which breaks the pipe and ends the worker's read.
 */
export function pipePlan(): SyncPlan {
  const name = `\\\\.\\pipe\\pawwork-spawn-${process.pid}-${randomBytes(12).toString("hex")}`
  return {
    args: ["--sync-pipe", name],
    discard: () => undefined,
    connect(deadline, exited) {
      const channel = new PipeChannel(name)
      try {
        const hello = channel.await(deadline, exited, "the sidecar did not open its spawn channel in time")
        return { channel, hello }
      } catch (err) {
        channel.close()
        throw err
      }
    },
  }
}

class PipeChannel implements SyncChannel {
  private readonly ctl = new Int32Array(new SharedArrayBuffer(CTL_CELLS * 4))
  private readonly answer = new Uint8Array(new SharedArrayBuffer(ANSWER_BYTES))
  private readonly worker: Worker
  private seen = 0

  constructor(name: string) {
    this.worker = new Worker(new URL("./sync-pipe-worker.js", import.meta.url), {
      workerData: { name, ctl: this.ctl, answer: this.answer },
    })
    // The worker must never keep the host alive, nor crash it: its failures arrive as a status.
    this.worker.unref()
    this.worker.on("error", () => undefined)
  }

  exchange(frame: Buffer, req: number, deadline: number): Header {
    this.worker.postMessage({ frame, req })
    return this.await(deadline, () => false, "the sidecar did not answer in time")
  }

  /** The worker's next result, as this thread's blocking wait allows. */
  await(deadline: number, exited: () => boolean, late: string): Header {
    for (;;) {
      const done = Atomics.load(this.ctl, CTL.done)
      if (done !== this.seen) {
        this.seen = done
        return this.result()
      }
      const left = deadline - performance.now()
      if (left <= 0) throw new SyncChannelError(late, "timeout", true)
      if (exited()) throw new SyncChannelError("the sidecar exited before it answered", "closed", true)
      // Woken by the worker's notify; the slice bounds how late an exit is noticed.
      Atomics.wait(this.ctl, CTL.done, done, Math.min(left, 50))
    }
  }

  private result(): Header {
    const status = Atomics.load(this.ctl, CTL.status)
    const text = Buffer.from(this.answer.subarray(0, Atomics.load(this.ctl, CTL.length))).toString("utf8")
    if (status === STATUS.ok) return JSON.parse(text) as Header
    throw new SyncChannelError(text, "closed", status !== STATUS.unsent)
  }

  close(): void {
    Atomics.store(this.ctl, CTL.cancelled, 1)
    void this.worker.terminate()
  }
}
