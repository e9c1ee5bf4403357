import { access } from "node:fs/promises"
import path from "node:path"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as PlatformError from "effect/PlatformError"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import type * as ChildProcess from "effect/process/ChildProcess"
import {
  ChildProcessSpawner,
  ExitCode,
  ProcessId,
  make as makeService,
  makeHandle,
  type ChildProcessHandle,
} from "effect/process/ChildProcessSpawner"
import * as CommandLine from "effect/process/CommandLine"
import type { EnvSpec } from "../protocol/messages.js"
import { ABORT_GRACE_MS, spawnSettings } from "../defaults.js"
import type { SupervisorChild } from "../supervisor/child.js"
import { launch } from "../supervisor/launch.js"
import { spawnRequest } from "../supervisor/request.js"
import type { Options, Stdio } from "../types.js"
import { badArgument, fileSystemError, systemError, toPlatformError } from "./errors.js"
import { SidecarHost } from "./host.js"
import { outputStream, stdinSink } from "./io.js"

export interface SupervisorSpawnerOptions {
  /** The pawwork-supervisor binary; default PAWWORK_SUPERVISOR_PATH, then the usual lookup (locateSupervisor). */
  readonly supervisorPath?: string | undefined
  /**
   * Grace between the kill signal and SIGKILL of the whole tree when neither `kill()` nor the command gives
   * `forceKillAfter` (default 5 s, the Process namespace's abort grace). Effect's Node spawner waits for
   * the leader without end in that case; a supervised tree always ends, so the ladder always has a step 2.
   */
  readonly forceKillAfter?: Duration.Input | undefined
  /**
   * What happens to descendants still alive when a command's root has exited and the drain is over (a shell's
   * `server &`): `kill` (default) ends them before `exitCode` succeeds; `keep` lets `exitCode` succeed at the
   * drain bound and leaves them running, still contained, until `handle.kill()`, Process.terminateTree({ pid })
   * of the root, or the layer's close (the sidecar's shutdown). The command's scope closing does not end a kept
   * tree: the command is over. A layer option, since Effect's CommandOptions have no place for it.
   */
  readonly leftovers?: "kill" | "keep" | undefined
  /**
   * How long the pipes are drained after the root exits while a descendant still holds them, before they are
   * cut and `exitCode` succeeds (default: the sidecar's, 2 s; docs/protocol.md, `drain_timeout_ms`). A layer
   * option for the same reason as `leftovers`.
   */
  readonly drainTimeout?: Duration.Input | undefined
  /** How long the spawn that starts the sidecar blocks, at most, for it to be ready (ms); see SupervisorOptions. */
  readonly startTimeoutMs?: number | undefined
  /** How long a spawn blocks, at most, for the sidecar's answer (ms); see SupervisorOptions. */
  readonly spawnTimeoutMs?: number | undefined
}

/** The layer's per-command policy, passed to every stage. */
interface Policy {
  readonly leftovers: SupervisorSpawnerOptions["leftovers"]
  readonly drainTimeoutMs: number | undefined
}

type Service = ChildProcessSpawner["Service"]
type Handle = ChildProcessHandle


/**
 * The ChildProcessSpawner service on a pawwork-supervisor sidecar, bound to the current scope: the sidecar
 * starts with the first spawn and is shut down (every live tree gets its ladder) when the scope closes.
 */
export const make = (options: SupervisorSpawnerOptions = {}): Effect.Effect<Service, never, Scope.Scope> =>
  Effect.gen(function* () {
    const host = new SidecarHost(options.supervisorPath, { startTimeoutMs: options.startTimeoutMs, spawnTimeoutMs: options.spawnTimeoutMs })
    yield* Effect.addFinalizer(() => Effect.promise(() => host.close()))
    const graceMs = options.forceKillAfter === undefined ? ABORT_GRACE_MS : Duration.toMillis(options.forceKillAfter)
    const policy: Policy = {
      leftovers: options.leftovers,
      drainTimeoutMs: options.drainTimeout === undefined ? undefined : Duration.toMillis(options.drainTimeout),
    }
    return makeService((command) => spawnCommand(host, graceMs, command, policy))
  })

/** A layer providing ChildProcessSpawner with one sidecar, the shape of PawWork's CrossSpawnSpawner.layer. */
export const layer = (options: SupervisorSpawnerOptions = {}): Layer.Layer<ChildProcessSpawner> =>
  Layer.effect(ChildProcessSpawner, make(options))

/** `layer()` with the defaults: the binary from PAWWORK_SUPERVISOR_PATH or the usual lookup. */
export const defaultLayer: Layer.Layer<ChildProcessSpawner> = layer()

// ---------------------------------------------------------------------------------------------------------

const unwrap = (word: CommandLine.Word): string => (Redacted.isRedacted(word) ? Redacted.value(word) : word)

/** The command for messages; Redacted words show as `<redacted>`. */
function display(command: ChildProcess.StandardCommand): string {
  return CommandLine.display([command.command, ...command.args])
}

function spawnCommand(
  host: SidecarHost,
  graceMs: number,
  command: ChildProcess.Command,
  policy: Policy,
): Effect.Effect<Handle, PlatformError.PlatformError, Scope.Scope> {
  if (command._tag === "StandardCommand") return spawnStandard(host, graceMs, command, undefined, policy)
  return spawnPipeline(host, graceMs, command, policy)
}

/** Refusals decided before anything runs, with the reason in the error. */
function validate(command: ChildProcess.StandardCommand): PlatformError.PlatformError | undefined {
  const { options } = command
  const fds = Object.keys(options.additionalFds ?? {})
  if (fds.length > 0) {
    return badArgument(
      "spawn",
      `additionalFds (${fds.join(", ")}) are not supported by the pawwork-supervisor spawner: its protocol ` +
        "carries stdin, stdout and stderr only, so the process is not started rather than started without them",
    )
  }
  if (options.shell !== undefined && options.shell !== false && command.args.length > 0) {
    return badArgument("spawn", "The shell option cannot be combined with arguments; pass the whole script as the command")
  }
  // exec cannot carry a NUL; refusing here keeps Redacted values out of the sidecar's error text.
  if (command.command.includes("\0")) return badArgument("spawn", "The command contains a NUL character")
  const arg = command.args.findIndex((word) => unwrap(word).includes("\0"))
  if (arg !== -1) return badArgument("spawn", `Argument ${arg + 1} contains a NUL character`)
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value !== undefined && unwrap(value).includes("\0")) {
      return badArgument("spawn", `The environment variable ${name} contains a NUL character`)
    }
  }
  return undefined
}

/**
 * Effect's env rules: no `env`, the host's environment as it is now; `env` alone replaces it; with
 * `extendEnv: true` it is merged over the host's. An undefined value removes the variable. Always sent as
 * `replace`, so the child sees exactly this, whatever the sidecar's own environment is.
 */
function envSpec(options: ChildProcess.CommandOptions): EnvSpec {
  const vars: Record<string, string> = {}
  const base = options.env === undefined || options.extendEnv === true ? process.env : {}
  for (const [key, value] of Object.entries(base)) if (value !== undefined) vars[key] = value
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete vars[key]
    else vars[key] = unwrap(value)
  }
  return { mode: "replace", vars }
}

/**
 * The cwd checked as Effect's Node spawner checks it, with the same failure: `FileSystem.access` of the
 * path given (NotFound for a missing one, BadArgument for a NUL byte). What access lets through and
 * the spawn then refuses (a file, ENOTDIR) fails the spawn itself.
 */
function resolveCwd(cwd: string | undefined): Effect.Effect<string | undefined, PlatformError.PlatformError> {
  if (cwd === undefined) return Effect.succeed(undefined)
  return Effect.tryPromise({
    try: async () => {
      await access(cwd)
      return path.resolve(cwd)
    },
    catch: (err) => fileSystemError("access", err, cwd),
  })
}

interface StdinConfig {
  stream: ChildProcess.CommandInput
  endOnDone: boolean
  encoding: ChildProcess.Encoding
}

function stdinConfig(options: ChildProcess.CommandOptions): StdinConfig {
  const fallback: StdinConfig = { stream: "pipe", endOnDone: true, encoding: "utf-8" }
  const given = options.stdin
  if (given === undefined) return fallback
  if (typeof given === "string" || Stream.isStream(given)) return { ...fallback, stream: given }
  return { stream: given.stream, endOnDone: given.endOnDone ?? true, encoding: given.encoding ?? "utf-8" }
}

function outputConfig(option: ChildProcess.CommandOutput | ChildProcess.StdoutConfig | undefined): ChildProcess.CommandOutput {
  if (option === undefined) return "pipe"
  if (typeof option === "string" || Sink.isSink(option)) return option
  return option.stream ?? "pipe"
}

/** The protocol pipes or ignores; `overlapped` is a Windows pipe flavour, a pipe here. */
function stdio(mode: ChildProcess.CommandInput | ChildProcess.CommandOutput): Stdio {
  if (typeof mode !== "string") return "pipe"
  if (mode === "inherit" || mode === "ignore") return mode
  return "pipe"
}

function spawnStandard(
  host: SidecarHost,
  graceMs: number,
  command: ChildProcess.StandardCommand,
  pipedInput: Stream.Stream<Uint8Array, PlatformError.PlatformError> | undefined,
  policy: Policy,
): Effect.Effect<Handle, PlatformError.PlatformError, Scope.Scope> {
  return Effect.gen(function* () {
    const shown = display(command)
    const refusal = validate(command)
    if (refusal) return yield* Effect.fail(refusal)
    const { options } = command
    const input = stdinConfig(options)
    if (pipedInput) input.stream = pipedInput
    const stdout = outputConfig(options.stdout)
    const stderr = outputConfig(options.stderr)
    const cwd = yield* resolveCwd(options.cwd)

    const argv = [command.command, ...command.args.map(unwrap)]
    // `windowsHide` is accepted and ignored (no child of the sidecar ever gets a window). `detached` is
    // Effect's: on Unix, true unless given, as in its Node spawner; false joins the host's process group.
    const forceKillAfter = options.forceKillAfter === undefined ? graceMs : Duration.toMillis(options.forceKillAfter)
    const opts: Options = {
      cwd,
      shell: options.shell,
      stdin: stdio(input.stream),
      stdout: stdio(stdout),
      stderr: stdio(stderr),
      detached: options.detached ?? process.platform !== "win32",
      leftovers: policy.leftovers,
      drainTimeout: policy.drainTimeoutMs,
      // Effect's names for the abort ladder, in the API's: spawnRequest translates them to the protocol's.
      kill: options.killSignal,
      timeout: forceKillAfter,
    }
    const id = host.nextId()
    const request = spawnRequest(id, spawnSettings(argv, opts), opts)
    request.env = envSpec(options)

    const onError = (method: string) => (err: unknown) => toPlatformError(method, err, shown)
    const state = { settled: false, held: false, referenced: true }
    let sidecar: ReturnType<SidecarHost["current"]> | null = null

    const child = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          const launched = launch(() => host.current(), request, opts, () => {
            state.settled = true
            if (state.held) sidecar?.release()
            state.held = false
          })
          const started: SupervisorChild = launched.child
          sidecar = launched.sidecar
          sidecar.hold()
          state.held = true
          if ((await started.spawned) === undefined) {
            await started.exited
            throw new Error("the sidecar reported neither a pid nor a spawn error")
          }
          return started
        },
        catch: onError("spawn"),
      }),
      // The scope closing ends the whole tree with the command's ladder and waits for the sidecar's `exit`,
      // which it sends only once every member is gone. After an exit of its own there is nothing left to
      // do: the sidecar killed any leftovers then, or, under `leftovers: "keep"`, left them to kill(),
      // terminateTree or the layer's shutdown. An unref'd process is left to the layer's shutdown.
      (started) =>
        Effect.promise(async () => {
          if (state.settled || !state.referenced) return
          await started.cancel({ signal: options.killSignal ?? "SIGTERM" }).catch(() => undefined)
        }),
    )

    const inputFailure = Deferred.makeUnsafe<never, PlatformError.PlatformError>()
    const stdinSinkValue = stdinSink(child.stdin, input, onError("fromWritable(stdin)"))
    if (Stream.isStream(input.stream)) {
      const source = Stream.tapError(input.stream, (err) => Deferred.fail(inputFailure, err))
      yield* Effect.forkScoped(Stream.run(source, stdinSinkValue))
    }

    let out = outputStream(child.stdout, onError("fromReadable(stdout)"))
    let err = outputStream(child.stderr, onError("fromReadable(stderr)"))
    if (Sink.isSink(stdout)) out = Stream.transduce(out, stdout)
    if (Sink.isSink(stderr)) err = Stream.transduce(err, stderr)

    const outcome = Effect.tryPromise({ try: () => child.outcome, catch: onError("exitCode") })
    // A failed stdin stream truncated the child's input, so it wins over the exit status, as in Effect's
    // Node spawner. A signal death has no exit code: it fails, as there.
    const exitCode = Effect.raceFirst(
      Deferred.await(inputFailure),
      Effect.flatMap(outcome, (o) =>
        o.code !== null
          ? Effect.succeed(ExitCode(o.code))
          : Effect.fail(systemError("exitCode", undefined, `Process interrupted due to receipt of signal: '${o.signal}' (${o.reason})`, shown)),
      ),
    )

    const kill = (killOptions?: ChildProcess.KillOptions) =>
      Effect.tryPromise({
        try: () =>
          child.cancel({
            signal: killOptions?.killSignal ?? "SIGTERM",
            // Without forceKillAfter the spawn's ladder grace applies (the command's, else the layer's).
            graceMs: killOptions?.forceKillAfter === undefined ? undefined : Math.max(0, Duration.toMillis(killOptions.forceKillAfter)),
          }),
        catch: onError("kill"),
      }).pipe(Effect.asVoid)

    const reref = Effect.sync(() => {
      state.referenced = true
      if (!state.held && !state.settled) {
        sidecar?.hold()
        state.held = true
      }
    })
    // Unref: the process no longer keeps the event loop alive (the hold on the sidecar is released) and
    // the scope closing leaves it running; it still ends with the layer, like every supervised tree.
    const unref = Effect.sync(() => {
      state.referenced = false
      if (state.held) {
        sidecar?.release()
        state.held = false
      }
      return reref
    })

    const noFd = (fd: number) => badArgument("getFd", `fd${fd} does not exist: the pawwork-supervisor spawner refuses additionalFds`)
    return makeHandle({
      pid: ProcessId(child.pid!),
      exitCode,
      isRunning: Effect.sync(() => !state.settled),
      kill,
      stdin: stdinSinkValue,
      stdout: out,
      stderr: err,
      all: Stream.merge(out, err),
      getInputFd: (fd) => Sink.fail(noFd(fd)),
      getOutputFd: (fd) => Stream.fail(noFd(fd)),
      unref,
    })
  })
}

/** The stages of a pipeline, left to right, and the options of each join. */
function flatten(command: ChildProcess.Command): { stages: ChildProcess.StandardCommand[]; joins: ChildProcess.PipeOptions[] } {
  const stages: ChildProcess.StandardCommand[] = []
  const joins: ChildProcess.PipeOptions[] = []
  const walk = (cmd: ChildProcess.Command): void => {
    if (cmd._tag === "StandardCommand") {
      stages.push(cmd)
      return
    }
    walk(cmd.left)
    joins.push(cmd.options)
    walk(cmd.right)
  }
  walk(command)
  return { stages, joins }
}

function source(handle: Handle, from: ChildProcess.PipeFromOption | undefined): Stream.Stream<Uint8Array, PlatformError.PlatformError> {
  if (from === "stderr") return handle.stderr
  if (from === "all") return handle.all
  return handle.stdout
}

/**
 * Each stage is a standard spawn, its own supervised tree, its stdin fed from the previous stage's chosen
 * stream: credit for the previous stage's output goes back as the next stage's stdin takes it, so the
 * pipeline runs at the pace of its slowest stage. The handle is the last stage's, with the first stage's
 * stdin; kill() ends every stage, last first.
 */
function spawnPipeline(
  host: SidecarHost,
  graceMs: number,
  command: ChildProcess.PipedCommand,
  policy: Policy,
): Effect.Effect<Handle, PlatformError.PlatformError, Scope.Scope> {
  return Effect.gen(function* () {
    const { stages, joins } = flatten(command)
    for (const join of joins) {
      if ((join.to ?? "stdin") !== "stdin" || (join.from !== undefined && !["stdout", "stderr", "all"].includes(join.from))) {
        return yield* Effect.fail(
          badArgument("spawn", `a pipe from ${join.from ?? "stdout"} to ${join.to ?? "stdin"} needs additionalFds, which the pawwork-supervisor spawner refuses`),
        )
      }
    }
    const handles: Handle[] = [yield* spawnStandard(host, graceMs, stages[0]!, undefined, policy)]
    for (let i = 1; i < stages.length; i++) {
      handles.push(yield* spawnStandard(host, graceMs, stages[i]!, source(handles[i - 1]!, joins[i - 1]!.from), policy))
    }
    const last = handles[handles.length - 1]!
    const kill = (options?: ChildProcess.KillOptions) =>
      Effect.forEach([...handles].reverse(), (handle) => Effect.ignore(handle.kill(options)), { discard: true })
    const unref = Effect.gen(function* () {
      const rerefs: Array<Effect.Effect<void, PlatformError.PlatformError>> = []
      for (const handle of handles) rerefs.push(yield* handle.unref)
      return Effect.forEach(rerefs.reverse(), (reref) => reref, { discard: true })
    })
    return makeHandle({
      pid: last.pid,
      exitCode: last.exitCode,
      isRunning: last.isRunning,
      kill,
      stdin: handles[0]!.stdin,
      stdout: last.stdout,
      stderr: last.stderr,
      all: last.all,
      getInputFd: last.getInputFd,
      getOutputFd: last.getOutputFd,
      unref,
    })
  })
}
