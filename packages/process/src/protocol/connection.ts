import type { Readable, Writable } from "node:stream"
import { SupervisorDiedError, SupervisorProtocolError, SupervisorRequestError } from "../errors.js"
import { checkEvent, checkHello } from "./events.js"
import { DEFAULT_MAX_HEADER, FrameDecoder, encodeFrame, type Frame, type Header } from "./framing.js"
import { Liveness } from "./liveness.js"
import {
  PROTOCOL_VERSION,
  type Answer,
  type ErrorEvent,
  type Event,
  type ExitEvent,
  type OutputStreamName,
  type ReleasedEvent,
  type RootExitedEvent,
  type HelloEvent,
  type Request,
} from "./messages.js"

/** How many cancels answered by an end event are remembered for a late `unknown_child` (see endedCancels). */
const ENDED_CANCELS = 256

/** The two byte streams to the sidecar; injected so tests can use in-memory streams. */
export interface Transport {
  /** Events from the sidecar (its stdout). */
  input: Readable
  /** Requests to the sidecar (its stdin). */
  output: Writable
}

export interface ConnectionOptions {
  /** Builds the error live children get when the stream ends unasked (e.g. with the sidecar's exit status). */
  describeDeath?: (reason: string) => Promise<Error> | Error
  /** Unmatched `error` events: the protocol says they never affect other children. */
  onProtocolError?: (err: Error) => void
  /**
   * The sidecar is broken: it sent an event that fails its check (protocol/events.ts), or left a ping
   * unanswered past the liveness bound. Everything pending has failed with `err`; the owner must end
   * the sidecar (SIGKILL: its watchdog then ends every tree).
   */
  onBroken?: (err: Error) => void
  /** The liveness bound in milliseconds (protocol/liveness.ts); 0 or absent: not checked. */
  livenessMs?: number
}

/**
 * What a child's owner hears about it. Exactly one of `exit`/`failed` is called, once. After an `exit` with
 * `kept: true`, exactly one of `released`/`failed` follows (`failed`: the sidecar died, and its watchdog
 * ended the kept tree with it).
 */
export interface ChildHandlers {
  output(stream: OutputStreamName, payload: Buffer): void
  /** Only for a spawn with `report_root_exit`, before `exit`. */
  rootExited?(event: RootExitedEvent): void
  exit(event: ExitEvent): void
  released?(event: ReleasedEvent): void
  failed(err: Error): void
}

interface Pending {
  resolve(answer: Answer): void
  reject(err: Error): void
  /** A `cancel` is answered by the child's `exit` (or, for a kept tree, `released`), which carry no `req`. */
  exitOf?: string
  /** The request's op, and the child it names: an answer of another kind, or for another child, is a broken sidecar. */
  op: Request["op"] | "ping"
  id?: string
}

/** The event that answers each request with its `req` (besides `error`); a cancel's answer carries none. */
const ANSWERS: Record<Pending["op"], string | null> = {
  spawn: "spawned",
  write: "written",
  close_stdin: "written",
  signal: "signalled",
  cancel: null,
  terminate: "terminated",
  shutdown: "goodbye",
  ping: "pong",
}

interface ChildEntry {
  handlers: ChildHandlers
  /** Payload bytes handed on, per output channel. */
  delivered: Record<string, number>
  /** Its `exit` said `kept: true`: only `released` (or the connection's end) is still to come. */
  kept?: boolean
}

/**
 * Client side of the protocol: hello check, request ids, per-child event dispatch, byte accounting.
 * Stdin flow control is in stdin-writer.ts, output credit in output-stream.ts; both sit on top of this.
 */
export class Connection {
  /** Set once `ready` has resolved. */
  hello!: HelloEvent
  /** Resolves with this connection once `hello` arrived with our protocol version; rejects otherwise. */
  readonly ready: Promise<Connection>
  private readonly transport: Transport
  private readonly options: ConnectionOptions
  private readonly decoder = new FrameDecoder()
  private readonly pending = new Map<number, Pending>()
  private readonly children = new Map<string, ChildEntry>()
  private nextReq = 1
  /** Pings in `pending`: they are not work (see `busy`). */
  private probes = 0
  private liveness: Liveness | null = null
  private closedWith: Error | null = null
  private expectingClose = false
  private readonly closeWaiters: Array<() => void> = []

  private constructor(transport: Transport, options: ConnectionOptions) {
    this.transport = transport
    this.options = options
    this.ready = this.awaitHello()
    void this.ready.catch(() => undefined)
  }

  /** Waits for `hello` and checks the protocol version; the first frame must be `hello`. */
  static open(transport: Transport, options: ConnectionOptions = {}): Promise<Connection> {
    return Connection.start(transport, options).ready
  }

  /**
   * The connection at once, before `hello`: children may be registered and requests sent right away
   * (the sidecar reads them once it runs), while events are dispatched only after a good `hello`. For a
   * client that learns of its children another way first (the spawn channel, docs/reference/protocol.md).
   */
  static start(transport: Transport, options: ConnectionOptions = {}): Connection {
    return new Connection(transport, options)
  }

  private awaitHello(): Promise<Connection> {
    const { input, output } = this.transport
    return new Promise((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        const items = this.decoder.push(chunk)
        if (items.length === 0) return
        const first = items[0]!
        if ("error" in first) return fail(new SupervisorProtocolError(`bad first frame: ${first.error.message}`))
        const header = first.frame.header
        if (header.event !== "hello") return fail(new SupervisorProtocolError(`expected hello, got ${String(header.event)}`))
        if (header.protocol !== PROTOCOL_VERSION) {
          return fail(
            new SupervisorProtocolError(
              `sidecar speaks protocol ${String(header.protocol)} (version ${String(header.version)}), ` +
                `this client speaks protocol ${PROTOCOL_VERSION}`,
            ),
          )
        }
        const checked = checkHello(header)
        if ("wrong" in checked) return fail(new SupervisorProtocolError(`bad hello: ${checked.wrong}`))
        this.hello = checked.hello
        cleanupEarly()
        input.off("data", onData)
        input.on("data", (more: Buffer) => this.receive(more))
        this.attach()
        for (const item of items.slice(1)) this.dispatchDecoded(item)
        resolve(this)
      }
      const onEnd = () => fail(new SupervisorDiedError("sidecar closed its output before saying hello"))
      const onError = (err: Error) => fail(new SupervisorDiedError(`sidecar stream failed before hello: ${err.message}`))
      const fail = (err: Error) => {
        cleanupEarly()
        input.off("data", onData)
        // Whoever registered or asked meanwhile hears it too.
        this.closeWith(err)
        reject(err)
      }
      const cleanupEarly = () => {
        input.off("end", onEnd)
        input.off("error", onError)
      }
      output.on("error", () => undefined)
      input.on("data", onData)
      input.once("end", onEnd)
      input.once("error", onError)
    })
  }

  get closed(): boolean {
    return this.closedWith !== null
  }

  get limits() {
    return {
      maxPayload: this.hello?.limits?.max_payload ?? 16 * 1024 * 1024,
      outputWindow: this.hello?.limits?.output_window ?? 1024 * 1024,
      // A sidecar that does not say (or has not said yet) takes what the first version did.
      maxHeader: this.hello?.limits?.max_header ?? DEFAULT_MAX_HEADER,
    }
  }

  /** Work is pending: a request (other than a ping) awaits its answer, or a child its exit. */
  get busy(): boolean {
    if (this.pending.size > this.probes) return true
    for (const child of this.children.values()) if (!child.kept) return true
    return false
  }

  /**
   * Sends a request and resolves with the event that answers it; an `error` answer rejects. A request the
   * sidecar could not take (a header over its `max_header`) is refused here, unsent: `frame_too_large`, with
   * errno E2BIG for a spawn (its command line and environment are what make a header that large).
   */
  request(body: Request, payload?: Buffer): Promise<Answer> {
    return this.send(body, body.op, payload)
  }

  /** A `ping`: answered by `pong`, and not work of its own (see `busy`). */
  ping(): Promise<unknown> {
    this.probes++
    const done = () => void this.probes--
    const answer = this.send({}, "ping")
    answer.then(done, done)
    return answer
  }

  private send(body: Request | Record<string, never>, op: Pending["op"], payload?: Buffer): Promise<Answer> {
    if (this.closedWith) return Promise.reject(this.closedWith)
    const req = this.nextReq++
    // op, req and id first: a sidecar that cannot decode the frame (over a limit, not JSON) finds them in
    // its first bytes and names them in its error, so no request goes unanswered.
    const frame = encodeFrame(Object.assign<Header, typeof body>({ op, req }, body), payload)
    const headerLen = frame.readUInt32BE(0)
    if (headerLen > this.limits.maxHeader) {
      const detail = `the ${op} request's header is ${headerLen} bytes; the sidecar takes at most ${this.limits.maxHeader}`
      return Promise.reject(new SupervisorRequestError("frame_too_large", detail, op === "spawn" ? "E2BIG" : undefined))
    }
    const id = "id" in body && typeof body.id === "string" ? body.id : undefined
    return new Promise<Answer>((resolve, reject) => {
      this.pending.set(req, { resolve, reject, op, id, exitOf: op === "cancel" ? id : undefined })
      this.transport.output.write(frame)
    })
  }

  /**
   * Credit for `bytes` of a child's output that the consumer has taken. No answer. Acks are coalesced per
   * child until the event loop's next check phase and written together: one pipe write per ack was the
   * largest single cost of reading a flood (docs/reference/load-and-hostile-input.md). The delay is one loop turn,
   * far below what the sidecar's 1 MiB window needs to keep a child writing.
   */
  ack(id: string, bytes: number): void {
    if (bytes <= 0 || this.closedWith || !this.children.has(id)) return
    this.pendingAcks.set(id, (this.pendingAcks.get(id) ?? 0) + bytes)
    this.ackFlush ??= setImmediate(() => this.flushAcks())
  }

  private flushAcks(): void {
    this.ackFlush = null
    const frames = [...this.pendingAcks].map(([id, bytes]) => encodeFrame({ op: "ack", id, bytes }))
    this.pendingAcks.clear()
    if (frames.length > 0 && !this.closedWith) this.transport.output.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames))
  }

  /** Registers a child id before its spawn request, so no event for it can be missed. */
  register(id: string, handlers: ChildHandlers): void {
    if (this.children.has(id)) throw new Error(`child id ${id} already registered`)
    if (this.closedWith) {
      queueMicrotask(() => handlers.failed(this.closedWith!))
      return
    }
    this.children.set(id, { handlers, delivered: { stdout: 0, stderr: 0 } })
  }

  /** Sends `shutdown`, waits for `goodbye` and for the stream to end. */
  async shutdown(): Promise<void> {
    if (this.closedWith) return
    this.expectingClose = true
    const ended = new Promise<void>((resolve) => this.closeWaiters.push(resolve))
    await this.request({ op: "shutdown" })
    await ended
  }

  private readonly pendingAcks = new Map<string, number>()
  private ackFlush: NodeJS.Immediate | null = null

  private attach(): void {
    const input = this.transport.input
    input.on("end", () => this.close("the sidecar closed its output"))
    input.on("error", (err: Error) => this.close(`reading from the sidecar failed: ${err.message}`))
    input.on("close", () => this.close("the sidecar's output was closed"))
    const bound = this.options.livenessMs ?? 0
    if (bound > 0) this.liveness = new Liveness(this, bound, () => this.describe(), (err) => this.fail(err))
  }

  private describe(): string {
    return `pawwork-supervisor (pid ${this.hello.pid})`
  }

  private receive(chunk: Buffer): void {
    for (const item of this.decoder.push(chunk)) {
      // Once broken, nothing more it says is believed.
      if (this.closedWith) return
      this.dispatchDecoded(item)
    }
  }

  private dispatchDecoded(item: ReturnType<FrameDecoder["push"]>[number]): void {
    if ("error" in item) return this.broken(item.error.message)
    const checked = checkEvent(item.frame.header)
    if ("wrong" in checked) return this.broken(checked.wrong)
    this.dispatch(checked.event, item.frame)
  }

  /** A sidecar that breaks the protocol cannot be trusted with anything pending. */
  private broken(wrong: string): void {
    this.fail(new SupervisorProtocolError(`${this.describe()} broke the protocol: ${wrong}`))
  }

  private dispatch(event: Event, frame: Frame): void {
    switch (event.event) {
      case "output":
        return this.onOutput(event.id, event.stream, frame.pieces)
      case "exit":
        return this.onExit(event)
      case "root_exited":
        return this.children.get(event.id)?.handlers.rootExited?.(event)
      case "released":
        return this.onReleased(event)
      case "error":
        return this.onError(event)
      case "spawned":
      case "written":
      case "signalled":
      case "terminated":
      case "pong":
      case "goodbye":
        return this.answer(event)
      case "hello":
        return this.broken("a second hello")
    }
  }

  private answer(event: Answer): void {
    if (event.req === undefined) return
    const waiting = this.pending.get(event.req)
    if (!waiting) return
    if (ANSWERS[waiting.op] !== event.event) {
      return this.broken(`a ${event.event} event answered ${waiting.op} request ${event.req}`)
    }
    if (waiting.id !== undefined && "id" in event && event.id !== waiting.id) {
      return this.broken(`the answer to ${waiting.op} request ${event.req} for child ${waiting.id} names child ${event.id}`)
    }
    this.pending.delete(event.req)
    waiting.resolve(event)
  }

  /** A frame's payload is handed on piece by piece, as it arrived, so no byte is copied to join it. */
  private onOutput(id: string, stream: OutputStreamName, pieces: readonly Buffer[]): void {
    const child = this.children.get(id)
    if (!child) return
    for (const piece of pieces) {
      child.delivered[stream] = (child.delivered[stream] ?? 0) + piece.length
      child.handlers.output(stream, piece)
    }
  }

  private onExit(event: ExitEvent): void {
    if (event.req !== undefined) this.answer(event)
    // A cancel still pending when a kept exit arrives reached the sidecar after it: `released` answers it.
    if (!event.kept) this.resolveCancels(event)
    const child = this.children.get(event.id)
    if (!child) return
    if (event.kept) child.kept = true
    else this.children.delete(event.id)
    const got = child.delivered
    const said: Record<string, number> = event.bytes ?? { stdout: 0, stderr: 0 }
    const streams = new Set(["stdout", "stderr", ...Object.keys(said), ...Object.keys(got)])
    const counts = (of: Record<string, number>) => [...streams].map((s) => `${s} ${of[s] ?? 0}`).join(" / ")
    if ([...streams].some((s) => (got[s] ?? 0) !== (said[s] ?? 0))) {
      return child.handlers.failed(
        new SupervisorProtocolError(`exit of child ${event.id} reports ${counts(said)} bytes, but ${counts(got)} were delivered`),
      )
    }
    child.handlers.exit(event)
  }

  private onReleased(event: ReleasedEvent): void {
    this.resolveCancels(event)
    const child = this.children.get(event.id)
    if (!child?.kept) return
    this.children.delete(event.id)
    child.handlers.released?.(event)
  }

  private resolveCancels(event: ExitEvent | ReleasedEvent): void {
    for (const [req, waiting] of this.pending) {
      if (waiting.exitOf !== event.id) continue
      this.pending.delete(req)
      waiting.resolve(event)
      this.endedCancels.add(req)
      if (this.endedCancels.size > ENDED_CANCELS) this.endedCancels.delete(this.endedCancels.values().next().value!)
    }
  }

  /**
   * Cancels answered by their child's end event. One that reached the sidecar after that end is answered
   * again, with `unknown_child`: already settled, so not a protocol error. Bounded: such answers come at once.
   */
  private readonly endedCancels = new Set<number>()

  private onError(event: ErrorEvent): void {
    const waiting = event.req === undefined ? undefined : this.pending.get(event.req)
    const err = new SupervisorRequestError(event.code, event.message, event.errno)
    if (!waiting && event.code === "unknown_child" && this.endedCancels.delete(event.req!)) return
    if (!waiting) return this.options.onProtocolError?.(err)
    this.pending.delete(event.req!)
    waiting.reject(err)
  }

  /**
   * Fails everything pending with `err` now and tells the owner, which ends the sidecar: used when the
   * sidecar broke the protocol or stopped answering, so nothing waits for what it might still say.
   */
  fail(err: Error): void {
    if (this.closedWith) return
    this.failAll(err)
    this.options.onBroken?.(err)
  }

  /** Ends the connection before `hello` with `err`: pending requests and registered children fail with it. */
  private closeWith(err: Error): void {
    if (this.closedWith) return
    this.failAll(err)
  }

  private failAll(err: Error): void {
    this.closedWith = err
    this.liveness?.stop()
    for (const waiting of this.pending.values()) waiting.reject(err)
    this.pending.clear()
    const children = [...this.children.values()]
    this.children.clear()
    for (const child of children) child.handlers.failed(err)
    for (const resolve of this.closeWaiters.splice(0)) resolve()
  }

  private close(reason: string): void {
    if (this.closedWith) return
    this.liveness?.stop()
    const tail = this.decoder.end()
    const orderly = this.expectingClose && this.children.size === 0
    const makeError = orderly
      ? Promise.resolve<Error>(new SupervisorDiedError("the sidecar was shut down"))
      : Promise.resolve(this.options.describeDeath?.(reason) ?? new SupervisorDiedError(`supervisor died: ${reason}`))
    this.closedWith = new SupervisorDiedError(`supervisor died: ${reason}`)
    if (tail) this.options.onProtocolError?.(new SupervisorProtocolError(tail.message))
    void makeError.then((err) => this.failAll(err))
  }
}
