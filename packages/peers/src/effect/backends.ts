import { EventEmitter } from "node:events"
import { constants } from "node:os"
import { PassThrough, Writable, type Readable } from "node:stream"
import * as NodeChildProcessSpawner from "@effect/platform-node/NodeChildProcessSpawner"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as PlatformError from "effect/PlatformError"
import * as Stream from "effect/Stream"
import * as ChildProcess from "effect/process/ChildProcess"
import { ChildProcessSpawner, type ChildProcessHandle } from "effect/process/ChildProcessSpawner"
import { createProcess, type Child, type Drain, type Options, type Outcome, type ProcessApi } from "@pawwork/process"
import {
  errorMessage,
  processApi,
  spawnFailedOutcome,
  spawnSettings,
  terminateTreeApi,
  TERMINATION_GRACE_MS,
  type SpawnSettings,
} from "@pawwork/process/backend-kit"
import { SupervisorSpawner } from "@pawwork/process/effect"

/*
 * The two Effect backends of the comparison, driven through the Process API's shape so the matrix's
 * scenarios run on them unchanged: `effect` is Effect's own `NodeChildProcessSpawner` (@effect/platform-node)
 * with its defaults, `supervisor-effect` is `@pawwork/process/effect`'s `SupervisorSpawner` layer. Both go through the
 * ChildProcessSpawner service only, as PawWork's bash tool does: one scope per command, output read to its
 * end, `handle.kill({ killSignal, forceKillAfter })` for an abort. `exited` is the command's result as such
 * a caller gets it: the exit status and the end of the output. Part of the comparison package, never of
 * @pawwork/process: it loads @effect/platform-node, which nothing shipped needs.
 */

export type EffectBackendName = "effect" | "supervisor-effect"

export interface EffectProcessOptions {
  backend: EffectBackendName
  /** supervisor-effect: the pawwork-supervisor binary (default: the usual lookup). */
  supervisorPath?: string
}

type Runtime = ManagedRuntime.ManagedRuntime<ChildProcessSpawner, never>

const nodeLayer = (): Layer.Layer<ChildProcessSpawner> =>
  NodeChildProcessSpawner.layer.pipe(Layer.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)))

/** The Process API over a ChildProcessSpawner layer; see the comment at the top of this file. */
export function createEffectProcess(opts: EffectProcessOptions): ProcessApi {
  const { backend } = opts
  if (backend !== "effect" && backend !== "supervisor-effect") {
    throw new Error(`unknown Effect backend ${JSON.stringify(backend)}: expected "effect" or "supervisor-effect"`)
  }
  // The supervisor layer's `leftovers` and `drainTimeout` are per layer (Effect's CommandOptions have no place
  // for them), so each combination a spawn asks for gets a layer of its own, built at its first use. Effect's
  // Node spawner has neither: one layer, and the two options are ignored as by the other peers.
  const runtimes = new Map<string, Runtime>()
  const runtimeFor = (options: Options): Runtime => {
    // Unset: the layer's own default (Effect's model, the tree ends with the command's scope).
    const leftovers = options.leftovers
    const key = backend === "effect" ? "node" : `${leftovers ?? "default"}/${options.drainTimeout ?? "default"}`
    let rt = runtimes.get(key)
    if (!rt) {
      const layer =
        backend === "effect"
          ? nodeLayer()
          : SupervisorSpawner.layer({
              supervisorPath: opts.supervisorPath,
              leftovers,
              drainTimeout: options.drainTimeout === undefined ? undefined : Duration.millis(options.drainTimeout),
            })
      rt = ManagedRuntime.make(layer)
      runtimes.set(key, rt)
    }
    return rt
  }
  const live = new Set<EffectChild>()
  // PawWork's bash tool ends an aborted command with Process.terminateTree({ pid: handle.pid }): the
  // baseline's today, the supervisor backend's (which finds the layer's roots) once both paths are flipped.
  const treeApi = backend === "supervisor-effect" ? createProcess({ backend: "supervisor", supervisorPath: opts.supervisorPath }) : null

  function spawn(cmd: string[], options: Options = {}): Child {
    const settings = spawnSettings(cmd, options)
    const child = new EffectChild(runtimeFor(options), settings, options)
    live.add(child)
    void child.finished.then(() => live.delete(child))
    return child
  }

  async function stop(child: Child): Promise<void> {
    if (!(child instanceof EffectChild)) throw new TypeError(`stop(): not a child of the ${backend} backend`)
    await child.stop()
  }

  return processApi({
    backend,
    spawn,
    stop,
    terminateTree: treeApi ? (input) => treeApi.terminateTree(input) : terminateTreeApi,
    shutdown: async () => {
      // Interrupting a command's fiber closes its scope: Effect's Node spawner then kills the group (and
      // waits for the leader), the supervisor layer cancels the tree. Then the layers close.
      await Promise.all([...live].map((c) => c.interrupt()))
      await Promise.all([...runtimes.values()].map((rt) => rt.dispose()))
      runtimes.clear()
      await treeApi?.shutdown()
    },
    // No sidecarPid: the layer's sidecar is private to it, so the matrix's fallback kill by pid has nothing to aim at.
  })
}

/**
 * One command of an Effect backend as a Process `Child`. stdout and stderr are Node PassThroughs fed from the
 * handle's Effect streams, stdin a StdinFeed read by the command's input stream, all with back-pressure. The
 * `exit` event, `exitCode` and `signalCode` follow
 * `handle.exitCode`; `exited` settles once that and both output streams have ended (a signal death folded
 * to 1, as the Process API folds it); `outcome` settles when the command's scope has closed.
 */
class EffectChild extends EventEmitter implements Child {
  readonly stdin: Writable | null
  readonly stdout: Readable | null
  readonly stderr: Readable | null
  readonly exited: Promise<number>
  readonly outcome: Promise<Outcome>
  readonly spawned: Promise<number | undefined>
  /** Settles when the command's fiber is done, however it ended. */
  readonly finished: Promise<void>
  exitCode: number | null = null
  signalCode: NodeJS.Signals | null = null
  killed = false

  private handle: ChildProcessHandle | null = null
  private fiber: Fiber.Fiber<void, PlatformError.PlatformError>
  private pendingKill: { signal: NodeJS.Signals; graceMs: number | undefined } | null = null
  private cancelled = false
  private readonly bytes = { stdout: 0, stderr: 0 }
  private eof = { stdout: false, stderr: false }

  constructor(
    private readonly runtime: Runtime,
    settings: SpawnSettings,
    private readonly opts: Options,
  ) {
    super()
    const stdin = opts.stdin === "pipe" ? new StdinFeed() : null
    const stdout = opts.stdout === "pipe" ? new PassThrough() : null
    const stderr = opts.stderr === "pipe" ? new PassThrough() : null
    this.stdin = stdin
    this.stdout = stdout
    this.stderr = stderr

    let onSpawned!: (pid: number | undefined) => void
    this.spawned = new Promise((resolve) => (onSpawned = resolve))
    let onExited!: (code: number) => void
    let onSpawnError!: (err: Error) => void
    this.exited = new Promise((resolve, reject) => ((onExited = resolve), (onSpawnError = reject)))
    void this.exited.catch(() => undefined)

    const signal = typeof settings.killSignal === "number" ? signalName(settings.killSignal) : settings.killSignal
    const graceMs = settings.abortGraceMs
    const command = ChildProcess.make(...commandLine(settings.cmd, opts), {
      // The Process API's kill signal and grace (`kill`, `timeout`) are Effect's command-level KillOptions: they
      // also rule the kill that closing the command's scope runs.
      killSignal: signal as ChildProcess.Signal,
      forceKillAfter: Duration.millis(graceMs),
      cwd: opts.cwd,
      env: opts.env === null ? {} : (opts.env ?? undefined),
      extendEnv: opts.env !== null,
      shell: opts.shell ? opts.shell : undefined,
      detached: opts.detached,
      stdin: stdin ? Stream.fromAsyncIterable(stdin.chunks(), stdinError) : settings.stdio[0],
      stdout: settings.stdio[1],
      stderr: settings.stdio[2],
    })
    const self = this
    const program = Effect.scoped(
      Effect.gen(function* () {
        const spawner = yield* ChildProcessSpawner
        const handle = yield* spawner.spawn(command)
        self.attach(handle)
        onSpawned(handle.pid)
        const pumps = yield* Effect.forkChild(
          Effect.all([self.pump(handle.stdout, stdout, "stdout"), self.pump(handle.stderr, stderr, "stderr")], {
            concurrency: 2,
            discard: true,
          }),
        )
        const status = yield* Effect.exit(handle.exitCode)
        const code = self.settleExit(status)
        // `exited` is the command's result as a caller that reads its output gets it: the exit status and the
        // end of both streams. exitCode alone can succeed while the last bytes still sit in the stream,
        // unread (seen under Wine), and such a caller is not done before it has them.
        yield* Effect.exit(Fiber.join(pumps))
        onExited(code)
      }),
    )
    this.fiber = runtime.runFork(program)
    const done = new Promise<Exit.Exit<void, PlatformError.PlatformError>>((resolve) => this.fiber.addObserver(resolve))
    this.finished = done.then((exit) => {
      if (this.handle === null) {
        // Never started: a spawn failure (NotFound, a missing cwd, ...) or an interrupt before the start.
        const err = spawnError(exit)
        onSpawned(undefined)
        onSpawnError(err)
        // Node's ChildProcess emits `error` for a failed start; with nobody listening that would throw, and
        // the Process API promises no unhandled error event (the rejection of `exited` says it).
        if (this.listenerCount("error") > 0) this.emit("error", err)
      } else {
        // Interrupted (the backend's shutdown) before the status or the streams' end was seen: settle anyway,
        // folded as the Process API folds a death it cannot name.
        onExited(this.exitCode ?? 1)
      }
      stdout?.end()
      stderr?.end()
    })
    this.outcome = this.finished.then(() => this.describe())
    if (opts.abort) {
      const abort = () => this.killTree(signal, graceMs)
      opts.abort.addEventListener("abort", abort, { once: true })
      void this.exited.finally(() => opts.abort?.removeEventListener("abort", abort)).catch(() => undefined)
    }
  }

  get pid(): number | undefined {
    return this.handle?.pid
  }

  /**
   * `child.kill(sig)`: the handle's kill with that signal and no `forceKillAfter`, Effect's only way to signal
   * a command (its Node spawner signals the group and waits; the supervisor layer runs its ladder).
   */
  kill(signal: NodeJS.Signals | number = "SIGTERM"): boolean {
    if (this.exitCode !== null || this.signalCode !== null) return false
    const name = typeof signal === "number" ? signalName(signal) : signal
    this.killTree(name, undefined)
    this.killed = true
    return true
  }

  /** stop(): the handle's kill with the Process API's stop grace, returning when it has finished. */
  async stop(): Promise<void> {
    await this.spawned
    const handle = this.handle
    if (!handle) return
    this.cancelled = true
    await this.runtime
      .runPromise(handle.kill({ killSignal: "SIGTERM", forceKillAfter: Duration.millis(TERMINATION_GRACE_MS) }))
      .catch(() => undefined)
  }

  /** Ends the command's fiber (closing its scope) and waits for it. */
  async interrupt(): Promise<void> {
    await this.runtime.runPromise(Fiber.interrupt(this.fiber)).catch(() => undefined)
    await this.finished
  }

  private attach(handle: ChildProcessHandle): void {
    this.handle = handle
    if (this.pendingKill) this.killTree(this.pendingKill.signal, this.pendingKill.graceMs)
  }

  private killTree(signal: NodeJS.Signals, graceMs: number | undefined): void {
    this.cancelled = true
    if (!this.handle) {
      this.pendingKill = { signal, graceMs }
      return
    }
    const options = {
      killSignal: signal as ChildProcess.Signal,
      forceKillAfter: graceMs === undefined ? undefined : Duration.millis(Math.max(0, graceMs)),
    }
    void this.runtime.runPromise(this.handle.kill(options)).catch(() => undefined)
  }

  private pump(
    source: Stream.Stream<Uint8Array, PlatformError.PlatformError>,
    target: PassThrough | null,
    which: "stdout" | "stderr",
  ): Effect.Effect<void, PlatformError.PlatformError> {
    return Stream.runForEach(source, (chunk) =>
      Effect.promise(async () => {
        this.bytes[which] += chunk.byteLength
        if (target && !target.destroyed && !target.write(chunk)) {
          await new Promise<void>((resolve) => {
            const go = () => (target.off("drain", go), target.off("close", go), resolve())
            target.on("drain", go).on("close", go)
          })
        }
      }),
    ).pipe(Effect.tap(() => Effect.sync(() => (this.eof[which] = true))))
  }

  /** Records the exit status and emits Node's `exit` event; returns the number `exited` resolves with. */
  private settleExit(status: Exit.Exit<number, PlatformError.PlatformError>): number {
    if (Exit.isSuccess(status)) {
      this.exitCode = Number(status.value)
      this.emit("exit", this.exitCode, null)
      return this.exitCode
    }
    // Effect's exitCode fails for a signal death; the signal's name is only in the message.
    const text = errorChain(Exit.isFailure(status) ? firstError(status) : undefined)
    const sig = /signal: '?(SIG[A-Z0-9]+)/.exec(text)?.[1] as NodeJS.Signals | undefined
    this.signalCode = sig ?? null
    this.emit("exit", null, this.signalCode)
    return 1
  }

  private describe(): Outcome {
    if (this.handle === null) {
      return spawnFailedOutcome()
    }
    const piped: Array<"stdout" | "stderr"> = (["stdout", "stderr"] as const).filter((s) => this.opts[s] === "pipe")
    const drain: Drain = piped.length === 0 ? "none" : piped.every((s) => this.eof[s]) ? "complete" : "cut"
    return {
      reason: this.cancelled ? "cancelled" : "exited",
      code: this.exitCode,
      signal: this.signalCode,
      bytes: { ...this.bytes },
      drain,
      // Effect's handle does not say which pids its kill reached.
      killedPids: [],
      leftoverPids: [],
    }
  }
}

/**
 * The child's stdin as a Node Writable whose write completes only when the Effect side has taken the chunk
 * and asked for the next one (it has been handed to the child's pipe), as a write to a Node pipe completes
 * when the pipe accepted it. A PassThrough would complete every write at once and hide back-pressure.
 */
class StdinFeed extends Writable {
  private waiting: { chunk: Uint8Array; done: (err?: Error | null) => void } | null = null
  private wake: (() => void) | null = null
  private ended = false

  constructor() {
    super({ highWaterMark: 0 })
    this.once("finish", () => ((this.ended = true), this.wake?.()))
    this.once("close", () => ((this.ended = true), this.wake?.()))
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.waiting = { chunk, done }
    this.wake?.()
  }

  async *chunks(): AsyncGenerator<Uint8Array> {
    for (;;) {
      if (!this.waiting) {
        if (this.ended) return
        await new Promise<void>((resolve) => (this.wake = resolve))
        this.wake = null
        continue
      }
      const { chunk, done } = this.waiting
      this.waiting = null
      try {
        yield chunk
      } finally {
        // Reached when the consumer asks for the next chunk, or stops reading (the child exited): either way
        // this write is over.
        done()
      }
    }
  }
}

/** A failure of the Node-side stdin feed, as the PlatformError Effect's input stream carries. */
function stdinError(err: unknown): PlatformError.PlatformError {
  return PlatformError.systemError({ _tag: "Unknown", module: "ChildProcess", method: "stdin", description: errorMessage(err) })
}

/** The Process API's command array as Effect's (command, args); with a shell, one script line (as Node joins it). */
function commandLine(cmd: readonly string[], opts: Options): [string, string[]] {
  if (opts.shell) return [cmd.join(" "), []]
  return [cmd[0]!, cmd.slice(1)]
}

function signalName(num: number): NodeJS.Signals {
  const found = Object.entries(constants.signals).find(([, n]) => n === num)
  if (!found) throw new RangeError(`unknown signal number ${num}`)
  return found[0] as NodeJS.Signals
}

function firstError(exit: Exit.Failure<unknown, unknown>): unknown {
  return Cause.squash(exit.cause)
}

/** Every message along an error's `cause` chain, for the one fact Effect puts only in text. */
function errorChain(err: unknown): string {
  const texts: string[] = []
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    texts.push(errorMessage(e))
    e = (e as { cause?: unknown }).cause
  }
  return texts.join("\n")
}

/** A start that failed, as the Process API rejects `exited`: an Error with Node's errno `code` when known. */
function spawnError(exit: Exit.Exit<void, unknown>): Error {
  const cause = Exit.isFailure(exit) ? firstError(exit) : undefined
  const err = new Error(errorMessage(cause ?? "the command did not start")) as Error & { code?: string }
  const errno = (cause as { cause?: { code?: unknown } } | undefined)?.cause?.code
  if (typeof errno === "string") err.code = errno
  else if ((cause as { reason?: { _tag?: string } } | undefined)?.reason?._tag === "NotFound") err.code = "ENOENT"
  ;(err as Error & { cause?: unknown }).cause = cause
  return err
}
