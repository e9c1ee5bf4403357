import { closeSync, openSync, readSync } from "node:fs"

/** A process of a fixture tree, as it reported itself (docs/fixture-program.md). */
export interface Member {
  pid: number
  ppid: number
  start: string
  role: string
  depth?: number
}

/**
 * Reads a fixture report file incrementally: each `poll()` parses the lines
 * appended since the last one. Every member writes its `pid` line before it
 * does anything else, so the file is the harness's list of the whole tree,
 * including processes started after a cancel began.
 */
export class FixtureReport {
  readonly members = new Map<number, Member>()
  /** Signals in order of receipt, per pid. */
  readonly signals = new Map<number, string[]>()
  /** Highest `wrote` total per pid and stream. */
  readonly wrote = new Map<string, number>()
  readonly events: { pid: number; what: string }[] = []
  readonly reads = new Map<number, { total: number; eof: boolean }>()
  private offset = 0
  private partial = ""

  constructor(readonly path: string) {}

  poll(): this {
    let fd: number
    try {
      fd = openSync(this.path, "r")
    } catch {
      return this
    }
    try {
      const buf = Buffer.alloc(64 * 1024)
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, this.offset)
        if (n <= 0) break
        this.offset += n
        this.partial += buf.subarray(0, n).toString("utf8")
      }
    } finally {
      closeSync(fd)
    }
    const lines = this.partial.split("\n")
    this.partial = lines.pop() ?? ""
    for (const line of lines) this.take(line)
    return this
  }

  private take(line: string): void {
    if (!line.trim()) return
    let msg: Record<string, unknown>
    try {
      msg = JSON.parse(line) as Record<string, unknown>
    } catch {
      return
    }
    const pid = Number(msg.pid)
    switch (msg.kind) {
      case "pid":
        this.members.set(pid, {
          pid,
          ppid: Number(msg.ppid),
          start: String(msg.start),
          role: String(msg.role),
          ...(msg.depth !== undefined ? { depth: Number(msg.depth) } : {}),
        })
        break
      case "signal": {
        const list = this.signals.get(pid) ?? []
        list.push(String(msg.signal))
        this.signals.set(pid, list)
        break
      }
      case "wrote": {
        const key = `${pid}:${String(msg.stream)}`
        this.wrote.set(key, Math.max(this.wrote.get(key) ?? 0, Number(msg.total)))
        break
      }
      case "read":
        this.reads.set(pid, { total: Number(msg.total), eof: Boolean(msg.eof) })
        break
      case "event":
        this.events.push({ pid, what: String(msg.what) })
        break
    }
  }

  byRole(role: string): Member[] {
    return [...this.members.values()].filter((m) => m.role === role)
  }

  root(): Member | undefined {
    return this.byRole("root")[0]
  }

  hasEvent(what: string): boolean {
    return this.events.some((e) => e.what === what)
  }

  /** Highest `wrote` total reported for a stream by any member. */
  wroteTotal(stream: "stdout" | "stderr"): number {
    let max = 0
    for (const [key, total] of this.wrote) if (key.endsWith(`:${stream}`)) max = Math.max(max, total)
    return max
  }
}
