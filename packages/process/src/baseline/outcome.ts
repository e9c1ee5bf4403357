import type { ChildProcess } from "node:child_process"
import { bytesRead, countArrivals, drainOf } from "../stream-state.js"
import type { Drain, Options, Outcome } from "../types.js"
import type { TerminateReport } from "./terminate-tree.js"

/*
 * The real baseline has no outcome; this one reports what the baseline itself can know, at the moment its
 * `exited` settles (the `exit` event), so the comparison stays honest:
 * - reason: `cancelled` when an abort or stop() started before the exit, `spawn_failed` on a spawn error,
 *   else `exited` (the baseline has no run timeout, so never `timed_out`);
 * - code/signal: Node's raw `exit` values (not folded like `exited`);
 * - bytes: what Node had read from each pipe by then (socket bytesRead), not what the command wrote;
 * - drain: `none` with nothing piped, `complete` when every piped stream had already seen EOF, else `cut`
 *   (the baseline does not wait for the pipes);
 * - killedPids: pids alive when terminateTree ran its SIGKILL step (the outcome waits for a running
 *   terminateTree to finish); leftoverPids: always empty, the baseline has no such policy.
 */
export interface OutcomeTracker {
  cancelled: boolean
  outcome: Promise<Outcome>
  spawned: Promise<number | undefined>
  terminating(run: Promise<TerminateReport>): void
}

function drainState(proc: ChildProcess, opts: Options): Drain {
  return drainOf([opts.stdout === "pipe" ? proc.stdout : null, opts.stderr === "pipe" ? proc.stderr : null])
}

export function trackOutcome(proc: ChildProcess, opts: Options): OutcomeTracker {
  const runs: Promise<void>[] = []
  const killed = new Set<number>()
  countArrivals(proc.stdout)
  countArrivals(proc.stderr)

  const spawned = new Promise<number | undefined>((resolve) => {
    proc.once("spawn", () => resolve(proc.pid))
    proc.once("error", () => resolve(proc.pid))
  })

  const tracker: OutcomeTracker = {
    cancelled: false,
    spawned,
    outcome: undefined as unknown as Promise<Outcome>,
    terminating(run) {
      runs.push(
        run.then(
          (report) => report.killedPids.forEach((pid) => killed.add(pid)),
          () => undefined,
        ),
      )
    },
  }

  tracker.outcome = new Promise<Outcome>((resolve) => {
    proc.once("exit", (code, signal) => {
      const base = {
        reason: tracker.cancelled ? ("cancelled" as const) : ("exited" as const),
        code,
        signal,
        bytes: { stdout: bytesRead(proc.stdout), stderr: bytesRead(proc.stderr) },
        drain: drainState(proc, opts),
        leftoverPids: [],
      }
      void Promise.allSettled(runs).then(() => resolve({ ...base, killedPids: [...killed] }))
    })
    proc.once("error", () => {
      if (proc.pid !== undefined) return
      resolve({
        reason: "spawn_failed",
        code: null,
        signal: null,
        bytes: { stdout: 0, stderr: 0 },
        drain: "none",
        killedPids: [],
        leftoverPids: [],
      })
    })
  })
  return tracker
}
