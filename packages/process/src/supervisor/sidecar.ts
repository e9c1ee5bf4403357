import { spawn, type ChildProcess } from "node:child_process"
import type { Socket } from "node:net"
import { SupervisorDiedError, SupervisorProtocolError, SupervisorRequestError, SupervisorVersionError } from "../errors.js"
import { encodeFrame } from "../protocol/framing.js"
import { Connection } from "../protocol/connection.js"
import { checkEvent, checkHello } from "../protocol/events.js"
import { livenessBoundMs } from "../protocol/liveness.js"
import { PROTOCOL_VERSION, type SpawnRequest } from "../protocol/messages.js"
import { knownExited, syncPlan } from "./sync-platform.js"
import { SyncChannelError, type SyncChannel } from "./sync-channel.js"
import { checkSidecarVersion } from "./version.js"

/** Hosts use this to hear that a sidecar is gone, so the next spawn starts a fresh one. */
export type DeathListener = (sidecar: Sidecar) => void

/** How long the client blocks, at most, for the sidecar (ms). */
export interface SidecarTimeouts {
  /** From starting the binary to its `hello` on the spawn channel. */
  startMs: number
  /** From sending a `spawn` to its answer. */
  spawnMs: number
}

/** Both bounds: a few seconds, far above a start or a spawn on a loaded machine (docs/results/bench-linux.md). */
export const DEFAULT_START_TIMEOUT_MS = 5_000
export const DEFAULT_SPAWN_TIMEOUT_MS = 5_000

/** The bounds given, else PAWWORK_SUPERVISOR_START_TIMEOUT_MS / _SPAWN_TIMEOUT_MS, else the defaults. */
export function sidecarTimeouts(given: Partial<SidecarTimeouts> = {}): SidecarTimeouts {
  const fromEnv = (name: string, fallback: number) => {
    const n = Number(process.env[name])
    return Number.isFinite(n) && n > 0 ? n : fallback
  }
  return {
    startMs: given.startMs ?? fromEnv("PAWWORK_SUPERVISOR_START_TIMEOUT_MS", DEFAULT_START_TIMEOUT_MS),
    spawnMs: given.spawnMs ?? fromEnv("PAWWORK_SUPERVISOR_SPAWN_TIMEOUT_MS", DEFAULT_SPAWN_TIMEOUT_MS),
  }
}

/**
 * What became of a spawn sent on the spawn channel: the child runs (`spawned`), the sidecar refused it
 * with an `error` (`refused`), or no answer came (`lost`: the sidecar did not start, died, or missed the
 * deadline). `retry`: the request certainly started nothing, because it never reached a live sidecar or
 * reached one that is shutting down.
 */
export type SpawnAnswer =
  | { kind: "spawned"; pid: number; pgid: number | null }
  | { kind: "refused"; error: SupervisorRequestError }
  | { kind: "lost"; error: Error; retry: boolean }

/**
 * One running pawwork-supervisor process, its connection (stdin/stdout) and its spawn channel. The start
 * and every spawn block the caller, each for a bounded time: the start until the sidecar greets on the
 * spawn channel, a spawn until its answer. The process and its pipes are unref'd while nothing is held,
 * so an idle sidecar never keeps Node's event loop alive; hold()/release() bracket every live child and
 * every control request that waits for an answer.
 */
export class Sidecar {
  readonly proc: ChildProcess
  /** The stdin/stdout connection, usable at once (children register before its `hello` is read). */
  readonly conn: Connection
  readonly ready: Promise<Connection>
  /** Resolves when the process has exited, with its status. */
  readonly exited: Promise<{ code: number | null; signal: string | null }>
  private holds = 0
  private gone = false
  private unusable = false
  /** Why this sidecar takes no more spawns: it did not start, or its spawn channel failed. */
  private broken: Error | null = null
  private sync: SyncChannel | null = null
  private syncReq = 0

  constructor(
    readonly binary: string,
    onDeath: DeathListener,
    private readonly timeouts: SidecarTimeouts = sidecarTimeouts(),
  ) {
    const plan = syncPlan()
    try {
      this.proc = spawn(binary, plan.args, { stdio: ["pipe", "pipe", "inherit"], windowsHide: true })
    } catch (err) {
      plan.discard()
      throw err
    }
    this.exited = new Promise((resolve) => {
      this.proc.once("exit", (code, signal) => resolve({ code, signal }))
      this.proc.once("error", () => resolve({ code: null, signal: null }))
    })
    const started = new Promise<never>((_, reject) => {
      this.proc.once("error", (err) => {
        const why = `could not start the supervisor ${binary}: ${err.message}`
        // Node emits this on the tick after spawn(), before the failed spawn's own error is delivered:
        // the reason the start failed reaches that error too.
        if (this.broken) this.broken.message = why
        reject(new SupervisorDiedError(why))
      })
    })
    void started.catch(() => undefined)
    this.proc.stdin!.on("error", () => undefined)
    this.conn = Connection.start(
      { input: this.proc.stdout!, output: this.proc.stdin! },
      {
        describeDeath: (reason) => this.describeDeath(reason),
        onProtocolError: (err) => process.emitWarning(err.message, { code: "PAWWORK_SUPERVISOR_PROTOCOL" }),
        livenessMs: livenessBoundMs(),
        onBroken: () => this.abandon(),
      },
    )
    this.greet(plan)
    this.ready = this.broken
      ? Promise.reject(this.broken)
      : Promise.race([this.conn.ready.then((conn) => (checkSidecarVersion(conn.hello, binary), conn)), started])
    this.ready.then(
      () => undefined,
      () => {
        // A sidecar we cannot talk to (wrong protocol, garbage) is useless: close its stdin so it exits,
        // and let the next spawn try a fresh one.
        this.unusable = true
        this.proc.stdin?.end()
      },
    )
    void this.exited.then(() => {
      this.gone = true
      this.sync?.close()
      this.sync = null
      onDeath(this)
    })
    this.applyRef()
  }

  get pid(): number | undefined {
    return this.proc.pid
  }

  /** Usable for new children: running, started, handshake not failed, connection not closed. */
  get alive(): boolean {
    return !this.gone && !this.unusable && !this.broken && !this.conn.closed
  }

  /**
   * Sends `request` on the spawn channel and blocks until the answer, at most `timeouts.spawnMs`. A
   * sidecar that misses the deadline, or whose channel broke, takes no more spawns (see retire()).
   */
  spawnSync(request: SpawnRequest): SpawnAnswer {
    if (this.broken || !this.sync) {
      const error = this.broken ?? new SupervisorDiedError(`pawwork-supervisor (pid ${this.pid}) is gone`)
      return { kind: "lost", error, retry: true }
    }
    const req = ++this.syncReq
    let answer: Record<string, unknown>
    try {
      answer = this.sync.exchange(encodeFrame({ ...request, req }), req, performance.now() + this.timeouts.spawnMs)
    } catch (err) {
      // A frame that does not decode (sync-channel.ts): a broken sidecar, as on stdout.
      if (err instanceof SupervisorProtocolError) return this.brokeProtocol(err.message)
      const lost = err instanceof SyncChannelError ? err : new SyncChannelError(String(err), "closed", true)
      const error = new SupervisorDiedError(
        lost.kind === "timeout"
          ? `pawwork-supervisor (pid ${this.pid}) did not answer a spawn within ${this.timeouts.spawnMs} ms`
          : `pawwork-supervisor (pid ${this.pid}) died: ${lost.message}`,
      )
      this.retire(error, lost.kind === "timeout")
      return { kind: "lost", error, retry: lost.kind === "closed" && !lost.sent }
    }
    // The same guards as every event on stdout gets (protocol/events.ts): nothing unchecked reaches a caller.
    const checked = checkEvent(answer)
    if ("wrong" in checked) return this.brokeProtocol(checked.wrong)
    const event = checked.event
    if (event.event === "spawned") return { kind: "spawned", pid: event.pid, pgid: event.pgid ?? null }
    if (event.event === "error") {
      const error = new SupervisorRequestError(event.code, event.message, event.errno)
      // A sidecar ending (a signal told it to) starts nothing more: it is on its way out, as if dead.
      if (error.code === "shutting_down") {
        this.retire(error, false)
        return { kind: "lost", error, retry: true }
      }
      return { kind: "refused", error }
    }
    return this.brokeProtocol(`the spawn channel answered a spawn with a ${event.event} event`)
  }

  /**
   * The spawn channel carried something no sidecar may send: this one is treated as one that broke the
   * protocol on stdout is (see abandon()), and the spawn fails with the reason. Nothing is retried: the
   * request reached it.
   */
  private brokeProtocol(wrong: string): SpawnAnswer {
    const error = new SupervisorProtocolError(`pawwork-supervisor (pid ${this.pid}) broke the protocol: ${wrong}`)
    this.broken ??= error
    this.sync?.close()
    this.sync = null
    this.abandon()
    return { kind: "lost", error, retry: false }
  }

  hold(): void {
    this.holds++
    if (this.holds === 1) this.applyRef()
  }

  release(): void {
    if (this.holds === 0) return
    this.holds--
    if (this.holds === 0) this.applyRef()
  }

  /** `shutdown`, then wait for `goodbye` and for the process to exit. */
  async shutdown(): Promise<void> {
    if (this.gone) return
    this.hold()
    try {
      const conn = await this.ready.catch(() => null)
      if (conn) await conn.shutdown().catch(() => undefined)
      else this.proc.stdin?.end()
      await this.exited
    } finally {
      this.release()
    }
  }

  /**
   * The connection found the sidecar broken (a bad event, or silent past the liveness bound) and failed
   * everything pending: nothing it holds may outlive it, so it is SIGKILLed, which its watchdog answers by
   * ending every tree. The next spawn starts a fresh one.
   */
  private abandon(): void {
    this.unusable = true
    this.kill()
  }

  /** Blocks until the sidecar greets on the spawn channel; a sidecar that does not is killed. */
  private greet(plan: ReturnType<typeof syncPlan>): void {
    try {
      const { channel, hello } = plan.connect(performance.now() + this.timeouts.startMs, () => knownExited(this.proc.pid))
      this.sync = channel
      if (hello.event !== "hello") throw new SupervisorProtocolError(`expected hello, got ${String(hello.event)}`)
      if (hello.protocol !== PROTOCOL_VERSION) {
        throw new SupervisorProtocolError(
          `sidecar speaks protocol ${String(hello.protocol)} (version ${String(hello.version)}), ` +
            `this client speaks protocol ${PROTOCOL_VERSION}`,
        )
      }
      // The same checks as the hello on stdout gets (protocol/events.ts), then the release's version.
      const checked = checkHello(hello)
      if ("wrong" in checked) throw new SupervisorProtocolError(`bad hello: ${checked.wrong}`)
      checkSidecarVersion(checked.hello, this.binary)
    } catch (err) {
      const why =
        err instanceof SyncChannelError && err.kind === "timeout"
          ? `did not greet within ${this.timeouts.startMs} ms (PAWWORK_SUPERVISOR_START_TIMEOUT_MS); it was killed`
          : `failed to start: ${(err as Error).message}`
      const told = err instanceof SupervisorProtocolError || err instanceof SupervisorVersionError
      this.broken = told ? err : new SupervisorDiedError(`the supervisor ${this.binary} ${why}`)
      this.sync?.close()
      this.sync = null
      this.kill()
    }
  }

  /**
   * No more spawns here. A sidecar that missed a deadline is also asked to end (stdin EOF: its trees get
   * the ladder) and killed if it has not exited a grace later: its spawn channel can no longer be trusted.
   */
  private retire(error: Error, ended: boolean): void {
    this.broken ??= error
    this.sync?.close()
    this.sync = null
    if (!ended || this.gone) return
    this.proc.stdin?.end()
    setTimeout(() => this.kill(), this.timeouts.startMs).unref()
  }

  private kill(): void {
    // Our own child, by its pid; Node does not signal a child it has seen exit.
    const pid = this.proc.pid
    if (this.gone || pid === undefined || pid <= 1) return
    try {
      this.proc.kill("SIGKILL")
    } catch {
      // Already gone.
    }
  }

  private applyRef(): void {
    const held = this.holds > 0
    const handles = [this.proc, this.proc.stdin as Socket | null, this.proc.stdout as Socket | null]
    for (const handle of handles) {
      if (!handle) continue
      if (held) handle.ref?.()
      else handle.unref?.()
    }
  }

  private async describeDeath(reason: string): Promise<Error> {
    // The pipe usually closes a moment before the exit status is known; wait briefly for it.
    let timer: NodeJS.Timeout | undefined
    const status = await Promise.race([
      this.exited,
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), 2_000)
        timer.unref()
      }),
    ])
    clearTimeout(timer)
    const how = status ? (status.signal ? `killed by ${status.signal}` : `exit code ${status.code}`) : "still running"
    return new SupervisorDiedError(
      `pawwork-supervisor (pid ${this.pid}) died while children were live: ${reason} (${how})`,
      status?.code ?? null,
      status?.signal ?? null,
    )
  }
}
