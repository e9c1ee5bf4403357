import { Readable } from "node:stream"

/**
 * A child's stdout or stderr fed by `output` events. Credit goes back to the sidecar (`ack`) as the
 * consumer takes the bytes: at once while push() says the buffer has room, otherwise when the consumer
 * next asks for data (_read). So a consumer that stops reading stops the child, within the output window.
 */
export class OutputStream extends Readable {
  private unacked = 0

  constructor(private readonly sendAck: (bytes: number) => void) {
    super({ highWaterMark: 64 * 1024 })
  }

  deliver(payload: Buffer): void {
    if (this.destroyed || this.readableEnded) {
      // Nobody will read it: give the credit back so the child is not blocked on our account.
      this.sendAck(payload.length)
      return
    }
    if (this.push(payload)) this.sendAck(payload.length)
    else this.unacked += payload.length
  }

  /** End of output: the child's `exit` arrived, so every byte has been delivered. */
  finish(): void {
    if (!this.destroyed) this.push(null)
  }

  override _read(): void {
    if (this.unacked === 0) return
    const bytes = this.unacked
    this.unacked = 0
    this.sendAck(bytes)
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this._read()
    callback(err)
  }
}
