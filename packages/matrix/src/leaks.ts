import { setTimeout as sleep } from "node:timers/promises"
import type { FixtureReport, Member } from "@pawwork/harness"
import { envScanAvailable, findByEnv, killIfSameProcess, startsOf } from "@pawwork/harness"

export const REPORT_ENV = "PAWWORK_FIXTURE_REPORT"

/** How long a tree must stay gone where there is no environment scan (ms). */
const SETTLE_MS = 150

export interface Quiet {
  /** ms since `since` at which the whole tree was first seen gone; null when the deadline came first. */
  quiescenceMs: number | null
  survivors: Member[]
}

/**
 * Watches one fixture tree: the members it reported plus any process carrying
 * its report path in the environment (a member that had no time to report).
 */
export class TreeWatch {
  private readonly dead = new Set<string>()

  constructor(readonly report: FixtureReport) {}

  private key(m: Member): string {
    return `${m.pid}:${m.start}`
  }

  /** Members still alive according to the report file (one lookup for all of them). */
  aliveReported(): Member[] {
    this.report.poll()
    const pending = [...this.report.members.values()].filter((m) => !this.dead.has(this.key(m)))
    const starts = startsOf(pending.map((m) => m.pid))
    const alive: Member[] = []
    for (const m of pending) {
      if (starts.get(m.pid) === m.start) alive.push(m)
      else this.dead.add(this.key(m))
    }
    return alive
  }

  /** Alive members, including unreported ones found through the environment marker. */
  aliveAll(): Member[] {
    const alive = this.aliveReported()
    const seen = new Set(alive.map((m) => m.pid))
    for (const stat of findByEnv(REPORT_ENV, this.report.path)) {
      if (seen.has(stat.pid) || this.dead.has(`${stat.pid}:${stat.start}`)) continue
      const reported = this.report.members.get(stat.pid)
      alive.push(reported && reported.start === stat.start
        ? reported
        : { pid: stat.pid, ppid: stat.ppid, start: stat.start, role: "unreported" })
    }
    return alive
  }

  /**
   * Polls until the tree is gone or the deadline (a `performance.now()` value,
   * or a function giving it, re-read on every poll) passes. "Gone" is
   * confirmed by an environment scan, so a member forked just before its
   * parent died is not missed.
   */
  async untilGone(since: number, deadline: number | (() => number), stop?: AbortSignal): Promise<Quiet> {
    const limit = typeof deadline === "number" ? () => deadline : deadline
    for (;;) {
      const now = performance.now()
      if (this.aliveReported().length === 0) {
        const all = this.aliveAll()
        if (all.length === 0 && (await this.stillGoneAfterSettle())) return { quiescenceMs: now - since, survivors: [] }
      }
      if (now >= limit() || stop?.aborted) return { quiescenceMs: null, survivors: this.aliveAll() }
      await sleep(5)
    }
  }

  /**
   * Without an environment scan (Windows) a member forked just before its
   * parent died is not seen until it writes its pid line, the first thing it
   * does: look again once it had the time to. With a scan, no wait.
   */
  private async stillGoneAfterSettle(): Promise<boolean> {
    if (envScanAvailable()) return true
    await sleep(SETTLE_MS)
    return this.aliveReported().length === 0
  }

  /**
   * Kills whatever of the tree is still alive (counted before by the caller),
   * round after round in case something forks meanwhile; resolves with every
   * pid it signalled.
   */
  async killAll(): Promise<number[]> {
    const killed = new Set<number>()
    for (let round = 0; round < 20; round++) {
      const alive = this.aliveAll()
      if (alive.length === 0) break
      for (const m of alive) if (killIfSameProcess(m.pid, m.start)) killed.add(m.pid)
      await sleep(round < 5 ? 20 : 100)
    }
    return [...killed]
  }
}

/** Stable text for a set of leaked members: their distinct roles ("leaked: grandchild"); counts go to the detail. */
export function leakReason(survivors: Member[]): string {
  const roles = [...new Set(survivors.map((m) => m.role))].sort()
  return `leaked: ${roles.join(", ")}`
}

export function leakDetail(survivors: Member[]): string {
  return `alive after the bound: ${survivors.map((m) => `${m.pid} (${m.role})`).join(", ")}`
}
