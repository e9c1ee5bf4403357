import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import type { Header } from "../protocol/framing.js"
import { Backoff } from "./backoff.js"
import { FrameQueue, SyncChannelError, type SyncChannel, type SyncPlan } from "./sync-channel.js"

/**
 * The spawn channel on Unix: the sidecar creates two FIFOs in a directory this process made for it
 * (mkdtemp: mode 0700, a fresh name), `requests` and `answers`. Both ends here are opened O_NONBLOCK,
 * so no read, write or open can block: every wait is a retry under a Backoff, up to the deadline.
 * The directory is removed once both are open (the open descriptors keep working).
 */
export function fifoPlan(): SyncPlan {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pawwork-spawn-"))
  const discard = () => rmSync(dir, { recursive: true, force: true })
  return {
    args: ["--sync-dir", dir],
    discard,
    connect(deadline, exited) {
      try {
        return connect(dir, deadline, exited)
      } finally {
        discard()
      }
    },
  }
}

function connect(dir: string, deadline: number, exited: () => boolean): { channel: SyncChannel; hello: Header } {
  const wait = new Backoff(deadline)
  let answers: number | undefined
  // The sidecar makes `answers` after `requests`, and opens both before writing hello.
  while (answers === undefined) {
    try {
      answers = openSync(path.join(dir, "answers"), constants.O_RDONLY | constants.O_NONBLOCK)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err
      if (exited()) throw new SyncChannelError("the sidecar exited before it opened its spawn channel", "closed", false)
      if (!wait.next()) throw new SyncChannelError("the sidecar did not open its spawn channel in time", "timeout", false)
    }
  }
  const channel = new FifoChannel(answers)
  try {
    // Until its first frame, "no writer" may only mean the sidecar has not opened its end yet.
    const hello = channel.read(wait, exited, false)
    channel.attach(openSync(path.join(dir, "requests"), constants.O_WRONLY | constants.O_NONBLOCK))
    return { channel, hello }
  } catch (err) {
    channel.close()
    throw err
  }
}

class FifoChannel implements SyncChannel {
  private requests: number | undefined
  private readonly frames = new FrameQueue()
  private readonly buffer = Buffer.allocUnsafe(64 * 1024)

  constructor(private answers: number | undefined) {}

  attach(requests: number): void {
    this.requests = requests
  }

  exchange(frame: Buffer, req: number, deadline: number): Header {
    const wait = new Backoff(deadline)
    this.write(frame, wait)
    for (;;) {
      const answer = this.read(wait, () => false)
      // An answer to a request whose wait ran out earlier: its child was dealt with then.
      if (answer.req === req) return answer
    }
  }

  /**
   * The next frame, waiting as `wait` allows. EOF is the sidecar gone (it holds the only writer), except
   * before its first byte when `eofEnds` is false.
   */
  read(wait: Backoff, exited: () => boolean, eofEnds = true): Header {
    for (;;) {
      const queued = this.frames.shift()
      if (queued) return queued
      if (this.answers === undefined) throw new SyncChannelError("the spawn channel is closed", "closed", true)
      let n: number
      try {
        n = readSync(this.answers, this.buffer, 0, this.buffer.length, null)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw new SyncChannelError(`reading the spawn channel: ${(err as Error).message}`, "closed", true)
        if (exited()) throw new SyncChannelError("the sidecar exited before it answered", "closed", true)
        if (!wait.next()) throw new SyncChannelError("the sidecar did not answer in time", "timeout", true)
        continue
      }
      if (n === 0 && eofEnds) throw new SyncChannelError("the sidecar closed its spawn channel (it exited)", "closed", true)
      if (n === 0) {
        if (exited()) throw new SyncChannelError("the sidecar exited before it greeted", "closed", false)
        if (!wait.next()) throw new SyncChannelError("the sidecar did not greet in time", "timeout", false)
        continue
      }
      eofEnds = true
      this.frames.push(Buffer.from(this.buffer.subarray(0, n)))
    }
  }

  private write(frame: Buffer, wait: Backoff): void {
    if (this.requests === undefined) throw new SyncChannelError("the spawn channel is closed", "closed", false)
    let done = 0
    while (done < frame.length) {
      try {
        done += writeSync(this.requests, frame, done, frame.length - done)
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        // EPIPE: no reader left, the sidecar is gone; what it had not read never reached it.
        if (code === "EPIPE") throw new SyncChannelError("the sidecar is gone (its spawn channel has no reader)", "closed", done > 0)
        if (code !== "EAGAIN") throw new SyncChannelError(`writing the spawn channel: ${(err as Error).message}`, "closed", done > 0)
        if (!wait.next()) throw new SyncChannelError("the sidecar did not take the request in time", "timeout", done > 0)
      }
    }
  }

  close(): void {
    for (const fd of [this.answers, this.requests]) if (fd !== undefined) closeSync(fd)
    this.answers = this.requests = undefined
  }
}
