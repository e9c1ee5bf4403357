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
import * as ChildProcess from "effect/process/ChildProcess"
import {
  ChildProcessSpawner,
  ExitCode,
  ProcessId,
  make as makeService,
  makeHandle,
  type ChildProcessHandle,
} from "effect/process/ChildProcessSpawner"
import * as CommandLine from "effect/process/CommandLine"
import type { EnvSpec, SpawnRequest } from "../protocol/messages.js"
import { ABORT_GRACE_MS, spawnSettings } from "../defaults.js"
import { type RootExit, SupervisorChild } from "../supervisor/child.js"
import { launch } from "../supervisor/launch.js"
import { spawnRequest } from "../supervisor/request.js"
import { assertSpawnFits } from "../supervisor/spawn-limits.js"
import type { Options, Stdio } from "../types.js"
import { badArgument, fileSystemError, systemError, toPlatformError } from "./errors.js"
import { type AdditionalFd, fdAccess, fdSpecs, MAX_FD, parseAdditionalFds } from "./fds.js"
import { SidecarHost } from "./host.js"
import { outputStream, stdinSink } from "./io.js"
import { ladder, type Leftovers, onLeaderExit, release, wireLeftovers } from "./lifetime.js"

export interface SupervisorSpawnerOptions {
  /** The pawwork-supervisor binary; default PAWWORK_SUPERVISOR_PATH, then the usual lookup (locateSupervisor). */
  readonly supervisorPath?: string | undefined
  /**
   * Without `forceKillAfter` (from `kill()` or the command), a kill or a release keeps Effect's timing: the
   * leader as long as it takes, up to this bound (default 5 s, the Process namespace's abort grace), and the
   * rest of the tree one second after the leader's end; then SIGKILL. Effect's Node spawner waits for the
   * leader without end and leaves the rest running after that second: a supervised tree always ends.
   */
  readonly forceKillAfter?: Duration.Input | undefined
  /**
   * What becomes of what a command's leader leaves running (a shell's `server &`): `scope` (default, Effect's
   * model) lives until the spawn's scope is released; `keep` also outlives the scope once the leader has
   * exited, until `handle.kill()`, Process.terminateTree({ pid }) of the leader, or the layer's close; `kill`
   * ends it at the drain bound after the leader's exit. See lifetime.ts. A layer option, since Effect's
   * CommandOptions have no place for it.
   */
  readonly leftovers?: Leftovers | undefined
  /**
   * How long the output streams wait, after the leader exits, for a descendant that holds a pipe, before they
   * are cut and end (default: the sidecar's, 2 s; docs/reference/protocol.md, `drain_timeout_ms`). A layer option for
   * the same reason as `leftovers`.
   */
  readonly drainTimeout?: Duration.Input | undefined
  /** How long the spawn that starts the sidecar blocks, at most, for it to be ready (ms); see SupervisorOptions. */
  readonly startTimeoutMs?: number | undefined
  /** How long a spawn blocks, at most, for the sidecar's answer (ms); see SupervisorOptions. */
  readonly spawnTimeoutMs?: number | undefined
}

/** The layer's per-command policy, passed to every stage. */
interface Policy {
  readonly leftovers: Leftovers
  readonly drainTimeoutMs: number | undefined
  /** The leader's bound in a kill or release without `forceKillAfter` (ms). */
  readonly leaderBoundMs: number
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
    const policy: Policy = {
      leftovers: options.leftovers ?? "scope",
      drainTimeoutMs: options.drainTimeout === undefined ? undefined : Duration.toMillis(options.drainTimeout),
      leaderBoundMs: options.forceKillAfter === undefined ? ABORT_GRACE_MS : Duration.toMillis(options.forceKillAfter),
    }
    return makeService((command) => spawnCommand(host, command, policy))
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
  command: ChildProcess.Command,
  policy: Policy,
): Effect.Effect<Handle, PlatformError.PlatformError, Scope.Scope> {
  if (command._tag === "StandardCommand") return spawnStandard(host, command, undefined, policy)
  return spawnPipeline(host, command, policy)
}

/** Refusals decided before anything runs, with the reason in the error. */
function validate(command: ChildProcess.StandardCommand): PlatformError.PlatformError | undefined {
  const { options } = command
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
  command: ChildProcess.StandardCommand,
  pipedInput: Stream.Stream<Uint8Array, PlatformError.PlatformError> | undefined,
  policy: Policy,
): Effect.Effect<Handle, PlatformError.PlatformError, Scope.Scope> {
  return Effect.gen(function* () {
    const plan = yield* planSpawn(host, command, pipedInput, policy)
    const { shown, input, stdout, stderr, fds } = plan
    const { options } = command
    const onError = (method: string) => (err: unknown) => toPlatformError(method, err, shown)
    const state: ChildState = { settled: false, held: false, referenced: true, leaderGone: false, sidecar: null }
    // The release: the ladder over the whole tree, with the command's signal and forceKillAfter.
    const releaseLadder = ladder(options.killSignal, options.forceKillAfter, policy.leaderBoundMs)
    const child = yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => startChild(host, plan.request, plan.opts, state), catch: onError("spawn") }),
      (started) => Effect.promise(() => release(started, policy.leftovers, state, releaseLadder)),
    )
    const leaderExit = watchLeader(child, state, policy, options.killSignal)

    const inputFailure = Deferred.makeUnsafe<never, PlatformError.PlatformError>()
    const stdinSinkValue = stdinSink(child.stdin, input, onError("fromWritable(stdin)"))
    if (Stream.isStream(input.stream)) {
      const source = Stream.tapError(input.stream, (err) => Deferred.fail(inputFailure, err))
      yield* Effect.forkScoped(Stream.run(source, stdinSinkValue))
    }
    const { getInputFd, getOutputFd } = yield* fdAccess(child, fds, onError, inputFailure)
    const { out, err } = outputStreams(child, stdout, stderr, onError)

    return makeHandle({
      pid: ProcessId(child.pid!),
      exitCode: exitCodeOf(leaderExit, inputFailure, onError, shown),
      isRunning: Effect.sync(() => !state.leaderGone),
      kill: killOf(child, options.forceKillAfter, policy, onError),
      stdin: stdinSinkValue,
      stdout: out,
      stderr: err,
      all: Stream.merge(out, err),
      getInputFd,
      getOutputFd,
      unref: unrefOf(state),
    })
  })
}

/** A command checked and translated into a spawn request, before anything starts. */
function planSpawn(
  host: SidecarHost,
  command: ChildProcess.StandardCommand,
  pipedInput: Stream.Stream<Uint8Array, PlatformError.PlatformError> | undefined,
  policy: Policy,
) {
  return Effect.gen(function* () {
    const shown = display(command)
    const refusal = validate(command)
    if (refusal) return yield* Effect.fail(refusal)
    const fds = parseAdditionalFds(command.options)
    if (!Array.isArray(fds)) return yield* Effect.fail(fds)
    const { options } = command
    const input = stdinConfig(options)
    if (pipedInput) input.stream = pipedInput
    const stdout = outputConfig(options.stdout)
    const stderr = outputConfig(options.stderr)
    const cwd = yield* resolveCwd(options.cwd)
    const { opts, request } = spawnPlan(host.nextId(), command, cwd, { input, stdout, stderr, fds }, policy)
    return { shown, input, stdout, stderr, fds, opts, request }
  })
}

/** The leader's exit, with Effect's rule for a leader that exits non-zero run before anyone sees the exit code. */
function watchLeader(child: SupervisorChild, state: ChildState, policy: Policy, killSignal: ChildProcess.CommandOptions["killSignal"]): Promise<RootExit> {
  const leaderExit = child.rootExited.then(
    (exit) => {
      state.leaderGone = true
      onLeaderExit(child, policy.leftovers, exit.code, killSignal)
      return exit
    },
    (err: unknown) => {
      state.leaderGone = true
      throw err
    },
  )
  void leaderExit.catch(() => undefined)
  return leaderExit
}

/** stdout and stderr as streams, each through the command's sink when it gave one. */
function outputStreams(
  child: SupervisorChild,
  stdout: ChildProcess.CommandOutput,
  stderr: ChildProcess.CommandOutput,
  onError: (method: string) => (err: unknown) => PlatformError.PlatformError,
) {
  let out = outputStream(child.stdout, onError("fromReadable(stdout)"))
  let err = outputStream(child.stderr, onError("fromReadable(stderr)"))
  if (Sink.isSink(stdout)) out = Stream.transduce(out, stdout)
  if (Sink.isSink(stderr)) err = Stream.transduce(err, stderr)
  return { out, err }
}

/** The handle's kill: without forceKillAfter, the command's applies, else Effect's timing (lifetime.ts). */
function killOf(
  child: SupervisorChild,
  commandForceKillAfter: ChildProcess.CommandOptions["forceKillAfter"],
  policy: Policy,
  onError: (method: string) => (err: unknown) => PlatformError.PlatformError,
) {
  return (killOptions?: ChildProcess.KillOptions) =>
    Effect.tryPromise({
      try: () => child.cancel(ladder(killOptions?.killSignal, killOptions?.forceKillAfter ?? commandForceKillAfter, policy.leaderBoundMs)),
      catch: onError("kill"),
    }).pipe(Effect.asVoid)
}

/** What a spawn's handle, its release and its unref share about it. */
interface ChildState {
  /** The sidecar sent the `exit`: the pipes are drained. */
  settled: boolean
  /** This spawn holds the sidecar's ref (keeps the event loop alive). */
  held: boolean
  referenced: boolean
  leaderGone: boolean
  sidecar: { hold(): void; release(): void } | null
}

/** Starts the child on the layer's sidecar; resolves once it runs, rejects (with the errno) if it could not. */
async function startChild(host: SidecarHost, request: SpawnRequest, opts: { argv: string[]; options: Options }, state: ChildState): Promise<SupervisorChild> {
  // As the Process API: refused, as Node's spawn would, before a sidecar is started for it.
  assertSpawnFits(opts.argv, request)
  const onSettled = () => {
    state.settled = true
    if (state.held) state.sidecar?.release()
    state.held = false
  }
  // Returns with the pid, or throws what Node's spawn throws; registers the root for terminateTree.
  const { child: started, sidecar } = launch(() => host.current(), request, opts.options, onSettled)
  state.sidecar = sidecar
  sidecar.hold()
  state.held = true
  if ((await started.spawned) === undefined) {
    await started.exited
    throw new Error("the sidecar reported neither a pid nor a spawn error")
  }
  return started
}

/**
 * The leader's status. A failed stdin stream truncated the child's input, so it wins over the exit status,
 * as in Effect's Node spawner. A signal death has no exit code: it fails, as there.
 */
function exitCodeOf(
  leaderExit: Promise<RootExit>,
  inputFailure: Deferred.Deferred<never, PlatformError.PlatformError>,
  onError: (method: string) => (err: unknown) => PlatformError.PlatformError,
  shown: string,
): Effect.Effect<ExitCode, PlatformError.PlatformError> {
  const leader = Effect.tryPromise({ try: () => leaderExit, catch: onError("exitCode") })
  return Effect.raceFirst(
    Deferred.await(inputFailure),
    Effect.flatMap(leader, (exit) =>
      exit.code !== null
        ? Effect.succeed(ExitCode(exit.code))
        : Effect.fail(systemError("exitCode", undefined, `Process interrupted due to receipt of signal: '${exit.signal}'`, shown)),
    ),
  )
}

interface Streams {
  input: StdinConfig
  stdout: ChildProcess.CommandOutput
  stderr: ChildProcess.CommandOutput
  fds: readonly AdditionalFd[]
}

/** The Process API's options and the spawn request for a command: the one translation of Effect's options. */
function spawnPlan(id: string, command: ChildProcess.StandardCommand, cwd: string | undefined, streams: Streams, policy: Policy) {
  const { options } = command
  const argv = [command.command, ...command.args.map(unwrap)]
  // `windowsHide` is accepted and ignored (no child of the sidecar ever gets a window). `detached` is
  // Effect's: on Unix, true unless given, as in its Node spawner; false joins the host's process group.
  const forceKillAfter = options.forceKillAfter === undefined ? policy.leaderBoundMs : Duration.toMillis(options.forceKillAfter)
  const opts: Options = {
    cwd,
    shell: options.shell,
    stdin: stdio(streams.input.stream),
    stdout: stdio(streams.stdout),
    stderr: stdio(streams.stderr),
    detached: options.detached ?? process.platform !== "win32",
    leftovers: wireLeftovers(policy.leftovers),
    drainTimeout: policy.drainTimeoutMs,
    // Effect's names for the abort ladder, in the API's: spawnRequest translates them to the protocol's.
    kill: options.killSignal,
    timeout: forceKillAfter,
  }
  const request = spawnRequest(id, spawnSettings(argv, opts), opts)
  request.env = envSpec(options)
  request.report_root_exit = true
  if (streams.fds.length > 0) request.fds = fdSpecs(streams.fds)
  return { opts: { argv, options: opts }, request }
}

/**
 * Unref: the process no longer keeps the event loop alive (the hold on the sidecar is released) and the
 * scope closing leaves it running; it still ends with the layer, like every supervised tree. Reref undoes it.
 */
function unrefOf(state: ChildState): Effect.Effect<Effect.Effect<void, PlatformError.PlatformError>> {
  const reref = Effect.sync(() => {
    state.referenced = true
    if (!state.held && !state.settled) {
      state.sidecar?.hold()
      state.held = true
    }
  })
  return Effect.sync(() => {
    state.referenced = false
    if (state.held) {
      state.sidecar?.release()
      state.held = false
    }
    return reref
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
  if (from === undefined || from === "stdout") return handle.stdout
  return handle.getOutputFd(ChildProcess.parseFdName(from)!)
}

/** A join's `from` and `to` name stdio or a descriptor from fd3 to MAX_FD; anything else is refused. */
function checkJoin(join: ChildProcess.PipeOptions): PlatformError.PlatformError | undefined {
  const fd = (name: string) => {
    const n = ChildProcess.parseFdName(name)
    return n !== undefined && n <= MAX_FD
  }
  const from = join.from ?? "stdout"
  const to = join.to ?? "stdin"
  if (!["stdout", "stderr", "all"].includes(from) && !fd(from)) return badArgument("spawn", `pipeTo: cannot pipe from ${JSON.stringify(from)}`)
  if (to !== "stdin" && !fd(to)) return badArgument("spawn", `pipeTo: cannot pipe to ${JSON.stringify(to)}`)
  return undefined
}

/**
 * The next stage, fed from `input`: on its stdin, or on one of its descriptors (configured as an input there,
 * or a duplex one that stays duplex with `input` as its written side), as Effect's Node spawner does.
 */
function fed(
  stage: ChildProcess.StandardCommand,
  to: ChildProcess.PipeToOption | undefined,
  input: Stream.Stream<Uint8Array, PlatformError.PlatformError>,
): [ChildProcess.StandardCommand, Stream.Stream<Uint8Array, PlatformError.PlatformError> | undefined] {
  if (to === undefined || to === "stdin") return [stage, input]
  const existing = stage.options.additionalFds?.[to]
  const config: ChildProcess.AdditionalFdConfig = existing?.type === "duplex" ? { ...existing, stream: input } : { type: "input", stream: input }
  const additionalFds = { ...stage.options.additionalFds, [to]: config }
  return [ChildProcess.make(stage.command, stage.args, { ...stage.options, additionalFds }), undefined]
}

/**
 * Each stage is a standard spawn, its own supervised tree, fed from the previous stage's chosen stream:
 * credit for the previous stage's output goes back as the next stage takes it, so the pipeline runs at the
 * pace of its slowest stage. The handle is the last stage's, with the first stage's stdin; kill() ends
 * every stage, last first.
 */
function spawnPipeline(
  host: SidecarHost,
  command: ChildProcess.PipedCommand,
  policy: Policy,
): Effect.Effect<Handle, PlatformError.PlatformError, Scope.Scope> {
  return Effect.gen(function* () {
    const { stages, joins } = flatten(command)
    for (const join of joins) {
      const refusal = checkJoin(join)
      if (refusal) return yield* Effect.fail(refusal)
    }
    const handles: Handle[] = [yield* spawnStandard(host, stages[0]!, undefined, policy)]
    for (let i = 1; i < stages.length; i++) {
      const [stage, stdin] = fed(stages[i]!, joins[i - 1]!.to, source(handles[i - 1]!, joins[i - 1]!.from))
      handles.push(yield* spawnStandard(host, stage, stdin, policy))
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
