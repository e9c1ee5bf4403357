import { FrameDecoder, type Header } from "../protocol/framing.js"
import { SupervisorProtocolError } from "../errors.js"

/**
 * The client's end of the spawn channel (docs/reference/protocol.md, "The spawn channel"): the sidecar answers a
 * `spawn` there as soon as the child exists, and the client waits for that answer synchronously, with
 * a deadline, so `spawn()` returns with the pid set. The transport is the platform's (sync-fifo.ts on
 * Unix, sync-pipe-windows.ts on Windows); the framing is the protocol's.
 */
export interface SyncChannel {
  /** Writes one request frame and waits for the frame that answers `req` (an older answer is skipped). */
  exchange(frame: Buffer, req: number, deadline: number): Header
  /** Releases the channel's descriptors; the sidecar is not told. */
  close(): void
}

/** The spawn channel of a sidecar about to be started: how to name it, and how to connect once it runs. */
export interface SyncPlan {
  /** The sidecar's arguments that ask for the channel. */
  readonly args: string[]
  /**
   * Waits (blocking, until `deadline`) for the sidecar to greet on the channel and returns the channel
   * with its `hello`. `exited` says whether the process is known to be gone, so a start that failed is
   * not waited for to the deadline where the platform can tell.
   */
  connect(deadline: number, exited: () => boolean): { channel: SyncChannel; hello: Header }
  /** Removes what the plan created, if connect() was never called or failed. */
  discard(): void
}

/** The channel failed; `sent` says whether the request may have reached the sidecar. */
export class SyncChannelError extends Error {
  constructor(
    message: string,
    readonly kind: "timeout" | "closed",
    readonly sent: boolean,
  ) {
    super(message)
    this.name = "SyncChannelError"
  }
}

/** Whole frames out of the bytes read so far; shared by the platforms' channels. */
export class FrameQueue {
  private readonly decoder = new FrameDecoder()
  private readonly frames: Header[] = []

  push(chunk: Buffer): void {
    for (const item of this.decoder.push(chunk)) {
      if ("error" in item) throw new SupervisorProtocolError(`spawn channel: ${item.error.message}`)
      this.frames.push(item.frame.header)
    }
  }

  shift(): Header | undefined {
    return this.frames.shift()
  }
}
