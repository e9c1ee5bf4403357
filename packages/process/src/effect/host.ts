import { timeoutsOf, type SupervisorOptions } from "../supervisor/index.js"
import { locateSupervisor } from "../supervisor/locate.js"
import { Sidecar, type SidecarTimeouts } from "../supervisor/sidecar.js"

/**
 * The sidecar of one layer: started by the first spawn (so providing the layer costs nothing until a
 * process runs), started again by the next spawn if it died, shut down when the layer's scope closes.
 * If the host process dies instead, the sidecar reads EOF on its stdin and runs the ladder on every tree
 * (docs/reference/protocol.md, "End of input"). Between children the Sidecar class unrefs its process and pipes, so
 * an idle layer never keeps the event loop alive.
 */
export class SidecarHost {
  private sidecar: Sidecar | null = null
  private closed = false
  /** Child ids: unique per layer and per host process, as the protocol asks of live and recent ids. */
  private counter = 0
  private readonly prefix = `e${process.pid}-${Date.now().toString(36)}`

  private readonly timeouts: SidecarTimeouts

  constructor(
    private readonly supervisorPath: string | undefined,
    bounds: Pick<SupervisorOptions, "startTimeoutMs" | "spawnTimeoutMs"> = {},
  ) {
    this.timeouts = timeoutsOf(bounds)
  }

  nextId(): string {
    return `${this.prefix}-${++this.counter}`
  }

  /** The running sidecar, or a fresh one. Throws SupervisorNotFoundError, or when the layer has closed. */
  current(): Sidecar {
    if (this.closed) throw new Error("the SupervisorSpawner layer has been closed; no process can start through it")
    if (this.sidecar?.alive) return this.sidecar
    // Resolved per start, so a binary built meanwhile is picked up.
    const binary = locateSupervisor(this.supervisorPath)
    const started: Sidecar = new Sidecar(binary, (dead) => {
      if (this.sidecar === dead) this.sidecar = null
    }, this.timeouts)
    this.sidecar = started
    return started
  }

  get pid(): number | undefined {
    return this.sidecar?.alive ? this.sidecar.pid : undefined
  }

  /** `shutdown`: every live tree gets its ladder, then the sidecar exits; resolves when it has. */
  async close(): Promise<void> {
    this.closed = true
    const running = this.sidecar
    this.sidecar = null
    if (running) await running.shutdown()
  }
}
