/*
 * Knowing that the sidecar still answers (docs/reference/protocol.md, "Liveness"). While work is pending (a request
 * awaits its answer, a child its exit), a `ping` is kept in flight; a sidecar that leaves one unanswered for
 * the whole bound is declared dead. Any answer to the ping counts, an `error` too (a sidecar that predates
 * `ping` answers `bad_request`): it proves the dispatch loop runs.
 *
 * The bound is counted on this process's own timer ticks as well as on the clock, so a host whose event
 * loop was blocked (a long synchronous call, a debugger, a suspended laptop) does not blame the sidecar
 * for an answer it could not read: the verdict needs TICKS ticks of an outstanding ping, and the timers
 * of a loop that just woke up fire once, before it reads what arrived meanwhile.
 */
import { SupervisorDiedError, SupervisorRequestError } from "../errors.js"

/** Far above a round trip on a loaded machine (milliseconds), far below "hangs forever". */
export const DEFAULT_LIVENESS_MS = 10_000
/** Ticks per bound: a ping goes out at most one tick after work starts. */
const TICKS = 5

/** The bound from PAWWORK_SUPERVISOR_LIVENESS_MS (milliseconds; 0 turns the check off), else the default. */
export function livenessBoundMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.PAWWORK_SUPERVISOR_LIVENESS_MS
  if (raw === undefined || raw.trim() === "") return DEFAULT_LIVENESS_MS
  const ms = Number(raw)
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new RangeError(`PAWWORK_SUPERVISOR_LIVENESS_MS must be a whole number of milliseconds (0: off), got ${JSON.stringify(raw)}`)
  }
  return ms
}

/** What the check watches: a connection. */
export interface Pingable {
  /** Work is pending: a request awaits its answer, or a child its exit. */
  readonly busy: boolean
  readonly closed: boolean
  /** Sends a ping; settles when anything answers it. */
  ping(): Promise<unknown>
}

export class Liveness {
  private readonly timer: NodeJS.Timeout
  private outstanding: { sentAt: number; ticks: number } | null = null

  constructor(
    private readonly target: Pingable,
    private readonly boundMs: number,
    private readonly describe: () => string,
    private readonly onSilent: (err: Error) => void,
  ) {
    this.timer = setInterval(() => this.tick(), Math.max(1, Math.round(boundMs / TICKS)))
    // Never what keeps a process alive: pending work holds the sidecar's own handles.
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
  }

  private tick(): void {
    if (this.target.closed) return this.stop()
    const probe = this.outstanding
    if (probe) {
      probe.ticks++
      const silentMs = Date.now() - probe.sentAt
      if (probe.ticks < TICKS || silentMs < this.boundMs) return
      this.stop()
      return this.onSilent(
        new SupervisorDiedError(`${this.describe()} stopped answering: no answer to a ping in ${silentMs} ms with work pending`),
      )
    }
    if (!this.target.busy) return
    const sent = { sentAt: Date.now(), ticks: 0 }
    this.outstanding = sent
    const answered = () => {
      if (this.outstanding === sent) this.outstanding = null
    }
    this.target.ping().then(answered, (err: unknown) => {
      if (err instanceof SupervisorRequestError) answered()
    })
  }
}
