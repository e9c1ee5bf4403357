import { spawn, type ChildProcess } from "node:child_process"
import type { Socket } from "node:net"
import { SupervisorDiedError } from "../errors.js"
import { Connection } from "../protocol/connection.js"
import { livenessBoundMs } from "../protocol/liveness.js"
import { checkSidecarVersion } from "./version.js"

/** Hosts use this to hear that a sidecar is gone, so the next spawn starts a fresh one. */
export type DeathListener = (sidecar: Sidecar) => void

/**
 * One running pawwork-supervisor process and its connection. The process and its pipes are unref'd while
 * nothing is held, so an idle sidecar never keeps Node's event loop alive; hold()/release() bracket every
 * live child and every control request that waits for an answer.
 */
export class Sidecar {
  readonly proc: ChildProcess
  readonly ready: Promise<Connection>
  /** Resolves when the process has exited, with its status. */
  readonly exited: Promise<{ code: number | null; signal: string | null }>
  private holds = 0
  private gone = false
  private unusable = false
  private conn: Connection | null = null

  constructor(binary: string, onDeath: DeathListener) {
    this.proc = spawn(binary, [], { stdio: ["pipe", "pipe", "inherit"], windowsHide: true })
    this.exited = new Promise((resolve) => {
      this.proc.once("exit", (code, signal) => resolve({ code, signal }))
      this.proc.once("error", () => resolve({ code: null, signal: null }))
    })
    const started = new Promise<never>((_, reject) => {
      this.proc.once("error", (err) =>
        reject(new SupervisorDiedError(`could not start the supervisor ${binary}: ${err.message}`)),
      )
    })
    this.proc.stdin!.on("error", () => undefined)
    this.ready = Promise.race([
      Connection.open(
        { input: this.proc.stdout!, output: this.proc.stdin! },
        {
          describeDeath: (reason) => this.describeDeath(reason),
          onProtocolError: (err) => process.emitWarning(err.message, { code: "PAWWORK_SUPERVISOR_PROTOCOL" }),
          livenessMs: livenessBoundMs(),
          onBroken: () => this.abandon(),
        },
      ).then((conn) => (checkSidecarVersion(conn.hello, binary), conn)),
      started,
    ])
    this.ready.then(
      (conn) => (this.conn = conn),
      () => {
        // A sidecar we cannot talk to (wrong protocol, garbage) is useless: close its stdin so it exits,
        // and let the next spawn try a fresh one.
        this.unusable = true
        this.proc.stdin?.end()
      },
    )
    void this.exited.then(() => {
      this.gone = true
      onDeath(this)
    })
    this.applyRef()
  }

  get pid(): number | undefined {
    return this.proc.pid
  }

  /** Usable for new children: running, handshake not failed, connection not closed. */
  get alive(): boolean {
    return !this.gone && !this.unusable && !(this.conn?.closed ?? false)
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
    const pid = this.proc.pid
    // Our own child, by its pid; Node does not signal a child it has seen exit.
    if (pid !== undefined && pid > 1 && !this.gone) this.proc.kill("SIGKILL")
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
