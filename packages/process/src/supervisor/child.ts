import { EventEmitter } from "node:events"
import { Writable } from "node:stream"
import { abortGraceMs, killSignal, spawnFailedOutcome } from "../defaults.js"
import { SpawnFailedError, SupervisorRequestError } from "../errors.js"
import type { Connection } from "../protocol/connection.js"
import type { ExitEvent, FdSpec, OutputStreamName, RootExitedEvent, SignalledEvent, SpawnRequest, SpawnedEvent } from "../protocol/messages.js"
import type { SpawnAnswer } from "./sidecar.js"
import { OutputStream } from "../protocol/output-stream.js"
import { StdinWriter } from "../protocol/stdin-writer.js"
import type { CancelOptions, Options, Outcome, SupervisedChild } from "../types.js"
import { signalName } from "./request.js"

function settleable<T>() {
  let resolve!: (v: T) => void
  let reject!: (e: Error) => void
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)))
  void promise.catch(() => undefined)
  return { promise, resolve, reject }
}

export function toOutcome(event: ExitEvent): Outcome {
  return {
    reason: event.reason,
    code: event.code,
    signal: event.signal,
    bytes: { stdout: event.bytes?.stdout ?? 0, stderr: event.bytes?.stderr ?? 0 },
    drain: event.drain,
    killedPids: event.killed_pids ?? [],
    leftoverPids: event.leftover_pids ?? [],
    ...(event.kept ? { kept: true } : {}),
  }
}

/** How the root process ended, as `root_exited` (or, without one, the `exit`) says. */
export interface RootExit {
  code: number | null
  signal: string | null
}

function spawnError(cmd: string[], err: unknown): Error {
  if (err instanceof SupervisorRequestError) return new SpawnFailedError(cmd, err.errno ?? err.code, err.message)
  return err instanceof Error ? err : new Error(String(err))
}

/**
 * A child run by the sidecar. Everything about it arrives as events, so `exited` settles only on its
 * `exit` event, after every `output` event: the pipes have drained (or the sidecar cut the drain) by then.
 * It is an EventEmitter shaped like Node's ChildProcess where PawWork's callers touch one: `spawn`, then
 * `exit` and `close` with (code, signal) when the tree is gone, and `error` for a spawn failure or a dead
 * sidecar, emitted only to a listener (Node's unhandled `error` would throw; `exited` rejects anyway).
 */
export class SupervisorChild extends EventEmitter implements SupervisedChild {
  pid: number | undefined = undefined
  exitCode: number | null = null
  signalCode: NodeJS.Signals | null = null
  /** As Node's: set once a kill() sent a signal (returned true). */
  killed = false
  readonly stdin: Writable | null
  readonly stdout: OutputStream | null
  readonly stderr: OutputStream | null
  private readonly exitedP = settleable<number>()
  private readonly outcomeP = settleable<Outcome>()
  private readonly spawnedP = settleable<number | undefined>()
  private settled = false
  /** The exit said `kept: true` and no `released` (nor the sidecar's death) has come yet. */
  private keptAlive = false
  private readonly treeGoneP = settleable<void>()
  private spawnFailure: Error | null = null
  /** Settles once the spawn request's answer has been handled (pid or failure known). */
  private spawnAnswer: Promise<void> = Promise.resolve()

  constructor(
    readonly id: string,
    private readonly cmd: string[],
    private readonly opts: Options,
    private readonly conn: Promise<Connection>,
    private readonly onSettled: () => void,
    /** The sidecar's ref, held while a cancel of a kept tree waits for `released` (see cancel()). */
    private readonly ref?: { hold(): void; release(): void },
    /** Descriptors beyond stdio, as the spawn request's `fds`: each gets its stream here. */
    fds: readonly FdSpec[] = [],
  ) {
    super()
    const ack = (bytes: number) => void this.conn.then((c) => c.ack(id, bytes), () => undefined)
    const out = opts.stdout === "pipe" || opts.stdout === "inherit" ? new OutputStream(ack) : null
    const err = opts.stderr === "pipe" || opts.stderr === "inherit" ? new OutputStream(ack) : null
    if (out && opts.stdout === "inherit") out.pipe(process.stdout, { end: false })
    if (err && opts.stderr === "inherit") err.pipe(process.stderr, { end: false })
    this.stdout = opts.stdout === "pipe" ? out : null
    this.stderr = opts.stderr === "pipe" ? err : null
    const sink = opts.stdin === "pipe" || opts.stdin === "inherit" ? this.makeStdin() : null
    if (sink && opts.stdin === "inherit") process.stdin.pipe(sink)
    this.stdin = opts.stdin === "pipe" ? sink : null
    this.outputs = [out, err]
    this.sink = sink
    for (const { fd, mode } of fds) {
      if (mode !== "input") this.fdOutputs.set(fd, new OutputStream(ack))
      if (mode !== "output") this.fdInputs.set(fd, this.makeInput(fd))
    }
  }

  private readonly outputs: Array<OutputStream | null>
  private readonly sink: Writable | null
  private readonly fdOutputs = new Map<number, OutputStream>()
  private readonly fdInputs = new Map<number, Writable>()
  private readonly rootExitP = settleable<RootExit>()

  /** An output (or duplex) descriptor's bytes; null for a number the spawn did not configure so. */
  outputFd(fd: number): OutputStream | null {
    return this.fdOutputs.get(fd) ?? null
  }

  /** An input (or duplex) descriptor; ending it closes the child's end (a duplex one for writing only). */
  inputFd(fd: number): Writable | null {
    return this.fdInputs.get(fd) ?? null
  }

  /**
   * Settles when the root exits, while descendants may still run and the pipes drain: at `root_exited`
   * when the spawn asked for it, else at the `exit`. Rejects as `exited` does.
   */
  get rootExited(): Promise<RootExit> {
    return this.rootExitP.promise
  }

  get exited(): Promise<number> {
    return this.exitedP.promise
  }

  get outcome(): Promise<Outcome> {
    return this.outcomeP.promise
  }

  get spawned(): Promise<number | undefined> {
    return this.spawnedP.promise
  }

  /**
   * Settles when nothing of the tree is left: with the outcome, or for a tree kept after its exit
   * (`leftovers: "keep"`) at its `released`, or when the sidecar died (its watchdog ends every tree).
   */
  get treeGone(): Promise<void> {
    return this.treeGoneP.promise
  }

  /**
   * The spawn already answered on the spawn channel: the pid is set before this returns, as after Node's
   * spawn; a failure (`failure`, in Node's shape) settles on the next tick, as Node emits its `error`,
   * so listeners attached after spawn() returns hear it. Registration happens here, before the event
   * loop can read any of the child's events from stdout.
   */
  begin(conn: Connection, answer: SpawnAnswer, failure?: Error): void {
    if (answer.kind === "spawned") {
      this.register(conn)
      this.pid = answer.pid
      this.spawnedP.resolve(this.pid)
      process.nextTick(() => this.emit("spawn"))
      return
    }
    this.spawnFailure = failure ?? answer.error
    this.spawnedP.resolve(undefined)
    if (answer.kind === "lost") {
      process.nextTick(() => this.fail(this.spawnFailure!))
      return
    }
    process.nextTick(() => {
      if (!this.settled) this.settle(spawnFailedOutcome())
    })
  }

  private register(conn: Connection): void {
    conn.register(this.id, {
      output: (stream, payload) => this.outputOf(stream)?.deliver(payload),
      rootExited: (event) => this.onRootExited(event),
      exit: (event) => this.onExit(event),
      released: () => this.onReleased(),
      failed: (err) => this.fail(err),
    })
  }

  /** Registers with the connection and sends the spawn request on it (a sidecar without a spawn channel). */
  start(conn: Connection, request: SpawnRequest): void {
    this.register(conn)
    this.spawnAnswer = conn.request(request).then(
      (answer) => {
        this.pid = (answer as SpawnedEvent).pid
        this.spawnedP.resolve(this.pid)
        this.emit("spawn")
      },
      (err: unknown) => {
        // The protocol follows a failed spawn with an `exit`; settle now anyway so no error code can hang us.
        this.spawnFailure = spawnError(this.cmd, err)
        this.spawnedP.resolve(undefined)
        if (!this.settled) this.settle(spawnFailedOutcome())
      },
    )
  }

  kill(signal?: NodeJS.Signals | number): boolean {
    if (this.settled && !this.keptAlive) return false
    if (this.pid === undefined) return false
    this.killed = true
    if (signal === 0) return true
    const name = signalName(signal)
    // The root is gone, its kept tree is not: kill means "end it", with the ladder from this signal.
    if (this.settled) {
      const graceMs = name === "SIGKILL" ? 0 : abortGraceMs(this.opts)
      void this.cancel({ signal: name, graceMs }).catch(() => undefined)
      return true
    }
    // SIGKILL means "gone now": the cancel ladder with no grace also reaps escaped members and labels it.
    if (name === "SIGKILL") void this.cancel({ signal: "SIGKILL", graceMs: 0 }).catch(() => undefined)
    else void this.signal(name).catch(() => undefined)
    return true
  }

  /** Ends the tree with the cancel ladder; after a kept exit, the kept tree (resolves at its `released`). */
  async cancel(opts: CancelOptions = {}): Promise<Outcome> {
    if (this.settled && !this.keptAlive) return this.outcome
    // One ladder at a time: the sidecar runs the first cancel's and ignores the others until the tree's end,
    // which answers them all; a second request would only draw an `unknown_child` after that end.
    if (this.cancelling) return this.cancelling
    // A kept tree gave its ref back at the exit (it must not keep Node alive), so the wait for its `released`
    // holds the ref itself: otherwise an idle event loop could end with this cancel still unanswered.
    const held = this.settled && this.ref
    if (held) held.hold()
    this.cancelling = this.cancelTree(opts).finally(() => {
      if (held) held.release()
      this.cancelling = null
    })
    return this.cancelling
  }

  private cancelling: Promise<Outcome> | null = null

  private async cancelTree(opts: CancelOptions): Promise<Outcome> {
    const conn = await this.conn
    try {
      const afterRoot = opts.graceAfterRootMs === undefined ? {} : { grace_after_root_ms: opts.graceAfterRootMs }
      const drain = opts.drainTimeoutMs === undefined ? {} : { drain_timeout_ms: opts.drainTimeoutMs }
      await conn.request({ op: "cancel", id: this.id, signal: opts.signal, grace_ms: opts.graceMs, ...afterRoot, ...drain })
    } catch (err) {
      // unknown_child races with an exit we have not processed yet; the outcome tells what happened.
      if (!(err instanceof SupervisorRequestError && err.code === "unknown_child")) throw err
    }
    const outcome = await this.outcome
    if (outcome.kept) await this.treeGone
    return outcome
  }

  async signal(name: string): Promise<number[]> {
    const conn = await this.conn
    await this.spawned
    const answer = (await conn.request({ op: "signal", id: this.id, signal: name })) as SignalledEvent
    return answer.pids
  }

  /** Aborts map to the cancel ladder with the spawn's `kill` and `timeout` options. */
  abort(): void {
    if (this.settled) return
    void this.cancel({ signal: signalName(killSignal(this.opts)), graceMs: abortGraceMs(this.opts) }).catch(() => undefined)
  }

  fail(err: Error): void {
    // After a kept exit only the connection's end can come: the sidecar is gone, and its tree with it.
    this.keptAlive = false
    this.treeGoneP.resolve()
    if (this.settled) return
    this.settled = true
    this.finishStreams()
    this.spawnedP.resolve(this.pid)
    this.rootExitP.reject(err)
    this.exitedP.reject(err)
    this.outcomeP.reject(err)
    this.onSettled()
    if (this.listenerCount("error") > 0) this.emit("error", err)
  }

  private outputOf(stream: OutputStreamName): OutputStream | null | undefined {
    if (stream === "stdout") return this.outputs[0]
    if (stream === "stderr") return this.outputs[1]
    return this.fdOutputs.get(Number(stream.slice(2)))
  }

  private onRootExited(event: RootExitedEvent): void {
    // After the spawn's answer, so the pid is known when it settles (as for the exit).
    void this.spawnAnswer.then(() => this.rootExitP.resolve({ code: event.code, signal: event.signal }))
  }

  private onExit(event: ExitEvent): void {
    // The answer to the spawn request may sit in the same chunk: let it land first, so the pid or the
    // spawn error (errno) is known when exited settles.
    void this.spawnAnswer.then(() => {
      if (this.settled) return
      if (event.kept) this.keptAlive = true
      this.settle(toOutcome(event))
    })
  }

  private onReleased(): void {
    // After the exit's own continuation (spawnAnswer has settled by then): released follows the exit.
    void this.spawnAnswer.then(() => {
      this.keptAlive = false
      this.treeGoneP.resolve()
    })
  }

  private settle(outcome: Outcome): void {
    this.settled = true
    this.finishStreams()
    this.spawnedP.resolve(this.pid)
    // First: whoever waits on the outcome (a cancel) finds the root's end already settled. Without a
    // `root_exited` before it (not asked for), the exit says the same, later.
    if (outcome.reason === "spawn_failed") this.rootExitP.reject(this.spawnFailure ?? new SpawnFailedError(this.cmd, "spawn_failed"))
    else this.rootExitP.resolve({ code: outcome.code, signal: outcome.signal })
    this.outcomeP.resolve(outcome)
    if (outcome.reason === "spawn_failed") {
      const err = this.spawnFailure ?? new SpawnFailedError(this.cmd, "spawn_failed")
      this.exitedP.reject(err)
      this.treeGoneP.resolve()
      this.onSettled()
      if (this.listenerCount("error") > 0) this.emit("error", err)
      return
    }
    this.exitCode = outcome.code
    this.signalCode = outcome.signal as NodeJS.Signals | null
    this.exitedP.resolve(outcome.code ?? (outcome.signal ? 1 : 0))
    if (!this.keptAlive) this.treeGoneP.resolve()
    // A kept tree does not hold the sidecar's ref: the call is over, the tree ends with the sidecar at latest.
    this.onSettled()
    this.emit("exit", this.exitCode, this.signalCode)
    this.emit("close", this.exitCode, this.signalCode)
  }

  private finishStreams(): void {
    for (const stream of this.outputs) stream?.finish()
    for (const stream of this.fdOutputs.values()) stream.finish()
    if (this.sink && this.opts.stdin === "inherit") process.stdin.unpipe(this.sink)
  }

  private makeStdin(): Writable {
    return this.makeInput(undefined)
  }

  /** Stdin (`fd` undefined) or an input descriptor, as a Writable with the protocol's flow control. */
  private makeInput(fd: number | undefined): Writable {
    let writer: StdinWriter | null = null
    const ready = async () => {
      const conn = await this.conn
      if ((await this.spawned) === undefined) return null
      return (writer ??= new StdinWriter(conn, this.id, undefined, fd))
    }
    // Writes to stdin after the child is gone are dropped quietly: the sidecar answers `stdin_closed`, and
    // Node's EPIPE on a dead child's stdin is noise for the callers this API serves. An extra descriptor's
    // failures are its user's to see, as Node's EPIPE on a child's stdio[3] is.
    const quiet = (err: unknown) =>
      fd === undefined && (this.settled || (err instanceof SupervisorRequestError && err.code === "stdin_closed"))
    return new Writable({
      highWaterMark: 64 * 1024,
      write: (chunk: Buffer, _enc, callback) => {
        ready()
          .then((w) => w?.write(chunk))
          .then(() => callback(), (err: Error) => callback(quiet(err) ? null : err))
      },
      final: (callback) => {
        ready()
          .then((w) => w?.close())
          .then(() => callback(), (err: Error) => callback(quiet(err) ? null : err))
      },
    })
  }
}
