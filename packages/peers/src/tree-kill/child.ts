import type { ChildProcess } from "node:child_process"
import type { Child, Outcome } from "@pawwork/process"
import { ProcView, type OutcomeTracker, type TerminateReport } from "@pawwork/process/backend-kit"
import { running, signalTree, treeKillLadder } from "./ladder.js"

/**
 * A cross-spawn child whose signals go through tree-kill. `kill(sig)` signals the tree as tree-kill sees it
 * now (that is what the library is for), where Node's own kill would reach the root alone.
 */
export class TreeKillChild extends ProcView implements Child {
  readonly exited: Promise<number>
  readonly outcome: Promise<Outcome>
  readonly spawned: Promise<number | undefined>
  private ladder: Promise<TerminateReport> | null = null

  constructor(
    proc: ChildProcess,
    private readonly tracker: OutcomeTracker,
    exited: Promise<number>,
  ) {
    super(proc)
    this.exited = exited
    this.outcome = tracker.outcome
    this.spawned = tracker.spawned
  }

  kill(signal: NodeJS.Signals | number = "SIGTERM"): boolean {
    if (!running(this.proc)) return false
    void signalTree(this.proc.pid!, signal)
    return true
  }

  /** Abort and stop(): the graceful walk, the grace, the forceful walk; once, however often it is asked. */
  terminate(first: NodeJS.Signals | number, graceMs: number): Promise<TerminateReport> {
    if (this.ladder) return this.ladder
    if (!running(this.proc)) return Promise.resolve({ killedPids: [] })
    this.tracker.cancelled = true
    this.ladder = treeKillLadder(this.proc, first, graceMs)
    this.tracker.terminating(this.ladder)
    return this.ladder
  }
}
