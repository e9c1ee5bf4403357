import type { Connection } from "./connection.js"

/** Default bound on stdin bytes sent but not yet confirmed by `written`, far below the sidecar's stdin_queue. */
export const DEFAULT_STDIN_IN_FLIGHT = 1024 * 1024
const MAX_CHUNK = 256 * 1024

/**
 * Stdin of one child over the protocol: `write` frames of at most MAX_CHUNK bytes, at most `maxInFlight`
 * bytes unconfirmed at once, so the sidecar's stdin_queue is never hit (docs/reference/protocol.md, "Flow control").
 * With `fd`, one of the child's input descriptors instead (`spawn.fds`), each with a queue of its own.
 */
export class StdinWriter {
  private inFlight = 0
  private readonly waiters: Array<() => void> = []
  private readonly sent: Promise<unknown>[] = []
  private failure: Error | null = null

  constructor(
    private readonly conn: Connection,
    private readonly id: string,
    private readonly maxInFlight = DEFAULT_STDIN_IN_FLIGHT,
    private readonly fd?: number,
  ) {}

  /** Resolves once the bytes are sent and the in-flight total is under the bound again. */
  async write(data: Buffer): Promise<void> {
    const chunk = Math.min(MAX_CHUNK, this.maxInFlight, this.conn.limits.maxPayload)
    for (let at = 0; at < data.length; at += chunk) {
      if (this.failure) throw this.failure
      const part = data.subarray(at, at + chunk)
      this.inFlight += part.length
      const done = this.conn.request({ op: "write", id: this.id, ...this.target() }, part).then(
        () => this.settle(part.length),
        (err: Error) => {
          this.failure ??= err
          this.settle(part.length)
        },
      )
      this.sent.push(done)
      while (this.inFlight >= this.maxInFlight && !this.failure) await new Promise<void>((r) => this.waiters.push(r))
    }
    if (this.failure) throw this.failure
  }

  /** Waits for every write to be confirmed, then closes the child's stdin. */
  async close(): Promise<void> {
    await Promise.all(this.sent)
    if (this.failure) throw this.failure
    await this.conn.request({ op: "close_stdin", id: this.id, ...this.target() })
  }

  /** Stdin's requests carry no `fd`, exactly as before descriptors beyond stdio existed. */
  private target(): { fd?: number } {
    return this.fd === undefined ? {} : { fd: this.fd }
  }

  get bytesInFlight(): number {
    return this.inFlight
  }

  private settle(n: number): void {
    this.inFlight -= n
    for (const wake of this.waiters.splice(0)) wake()
  }
}
