import { PassThrough } from "node:stream"
import { setImmediate as tick } from "node:timers/promises"
import { FrameDecoder, encodeFrame, type Frame, type Header } from "../../src/protocol/framing.js"
import type { Transport } from "../../src/protocol/connection.js"

export const HELLO = {
  event: "hello",
  protocol: 1,
  version: "0.1.0-test",
  pid: 4242,
  limits: { max_header: 1048576, max_payload: 16777216, output_window: 1048576, stdin_queue: 16777216 },
}

/** The sidecar's side of an in-memory transport: send crafted events, read the client's requests. */
export class FakeSidecar {
  readonly toClient = new PassThrough()
  readonly fromClient = new PassThrough()
  readonly requests: Frame[] = []
  private readonly decoder = new FrameDecoder()

  constructor() {
    this.fromClient.on("data", (chunk: Buffer) => {
      for (const item of this.decoder.push(chunk)) if ("frame" in item) this.requests.push(item.frame)
    })
  }

  get transport(): Transport {
    return { input: this.toClient, output: this.fromClient }
  }

  send(header: Header, payload?: Buffer): void {
    this.toClient.write(encodeFrame(header, payload))
  }

  /** Lets queued stream events and promise callbacks run. */
  async settle(): Promise<void> {
    for (let i = 0; i < 5; i++) await tick()
  }

  ops(op: string): Header[] {
    return this.requests.map((r) => r.header).filter((h) => h.op === op)
  }
}
