import type { ChildProcess } from "node:child_process"
import type { Readable, Writable } from "node:stream"
import type { TerminateReport } from "../baseline/terminate-tree.js"
import type { OutcomeTracker } from "../baseline/outcome.js"
import type { Child, Outcome } from "../types.js"
import { running, signalTree, treeKillLadder } from "./ladder.js"

/**
 * A cross-spawn child whose signals go through tree-kill. `kill(sig)` signals the tree as tree-kill sees it
 * now (that is what the library is for), where Node's own kill would reach the root alone.
 */
export class TreeKillChild implements Child {
  readonly exited: Promise<number>
  readonly outcome: Promise<Outcome>
  readonly spawned: Promise<number | undefined>
  private ladder: Promise<TerminateReport> | null = null

  constructor(
    private readonly proc: ChildProcess,
    private readonly tracker: OutcomeTracker,
    exited: Promise<number>,
  ) {
    this.exited = exited
    this.outcome = tracker.outcome
    this.spawned = tracker.spawned
  }

  get pid(): number | undefined {
    return this.proc.pid
  }
  get stdin(): Writable | null {
    return this.proc.stdin
  }
  get stdout(): Readable | null {
    return this.proc.stdout
  }
  get stderr(): Readable | null {
    return this.proc.stderr
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
