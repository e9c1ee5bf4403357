import { openSync, readSync, writeSync } from "node:fs"
import { parentPort, workerData } from "node:worker_threads"
import type { Header } from "../protocol/framing.js"
import { sleepSync } from "./backoff.js"
import { FrameQueue } from "./sync-channel.js"
import { ANSWER_BYTES, CTL, STATUS } from "./sync-pipe-shared.js"

/*
 * The worker thread of the Windows spawn channel (sync-pipe-windows.ts): it alone makes the blocking
 * calls on the pipe, so that the thread that waits for it can give up at its deadline. It opens the
 * pipe (retried while the sidecar has not created it, or another client holds its one instance),
 * reports the sidecar's hello, then for each request writes it and reports the frame that answers it.
 */
const { name, ctl, answer } = workerData as { name: string; ctl: Int32Array; answer: Uint8Array }
const frames = new FrameQueue()
const buffer = Buffer.allocUnsafe(64 * 1024)

function report(status: number, text: string): void {
  const bytes = Buffer.from(text, "utf8").subarray(0, ANSWER_BYTES)
  answer.set(bytes)
  Atomics.store(ctl, CTL.length, bytes.length)
  Atomics.store(ctl, CTL.status, status)
  Atomics.add(ctl, CTL.done, 1)
  Atomics.notify(ctl, CTL.done)
}

function nextFrame(fd: number): Header {
  for (;;) {
    const queued = frames.shift()
    if (queued) return queued
    const n = readSync(fd, buffer, 0, buffer.length, null)
    if (n === 0) throw new Error("the sidecar closed its spawn channel (it exited)")
    frames.push(Buffer.from(buffer.subarray(0, n)))
  }
}

function open(): number | undefined {
  for (;;) {
    if (Atomics.load(ctl, CTL.cancelled)) return undefined
    try {
      return openSync(name, "r+")
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code !== "ENOENT" && code !== "EBUSY") throw err
      sleepSync(2)
    }
  }
}

let fd: number | undefined
try {
  fd = open()
  if (fd !== undefined) report(STATUS.ok, JSON.stringify(nextFrame(fd)))
} catch (err) {
  report(STATUS.unsent, `the spawn channel could not be opened: ${(err as Error).message}`)
}

parentPort!.on("message", ({ frame, req }: { frame: Uint8Array; req: number }) => {
  if (fd === undefined) return report(STATUS.unsent, "the spawn channel is not open")
  let written = false
  try {
    for (let done = 0; done < frame.length; ) done += writeSync(fd, frame, done)
    written = true
    for (;;) {
      const header = nextFrame(fd)
      // An answer to a request whose wait ran out earlier is skipped.
      if (header.req === req) return report(STATUS.ok, JSON.stringify(header))
    }
  } catch (err) {
    report(written ? STATUS.failed : STATUS.unsent, (err as Error).message)
  }
})
