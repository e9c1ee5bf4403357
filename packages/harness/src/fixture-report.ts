import { closeSync, openSync, readFileSync, readSync } from "node:fs"

/*
 * The JSON-lines report file the fixture program appends to (docs/reference/fixture-program.md). Every process of a
 * fixture tree writes its `pid` line before it does anything else, so the file names every member even if
 * it is killed right after. Each line is one write(2), so only the last, still unterminated line can be
 * incomplete: it is left for the next read, never parsed.
 */

/** A process of a fixture tree, as it reported itself. */
export interface Member {
  pid: number
  ppid: number
  start: string
  role: string
  depth?: number
}

export type PidLine = Member & { kind: "pid" }

export type ReportLine =
  | PidLine
  | { kind: "signal"; pid: number; signal: string }
  | { kind: "wrote"; pid: number; stream: string; total: number }
  | { kind: "read"; pid: number; total: number; eof: boolean }
  | { kind: "event"; pid: number; what: string }

/** Complete lines of `text` as report lines; the unterminated rest and anything that is not JSON are skipped. */
export function parseReport(text: string): ReportLine[] {
  const lines = text.split("\n")
  lines.pop()
  const out: ReportLine[] = []
  for (const line of lines) {
    if (!line.trim()) continue
    try {
      out.push(JSON.parse(line) as ReportLine)
    } catch {
      // not the fixture's: skip
    }
  }
  return out
}

/** Every complete line of the report at `path`; none while it does not exist yet. */
export function readReport(path: string): ReportLine[] {
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch {
    return []
  }
  return parseReport(text)
}

/** The `pid` lines: every member that reported so far. */
export function reportedPids(path: string): PidLine[] {
  return readReport(path).filter((l): l is PidLine => l.kind === "pid")
}

/**
 * Reads a report incrementally: each `poll()` takes the lines appended since the last one, so a long
 * watch (the matrix polls every few ms) does not re-read the whole file.
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
    const cut = this.partial.lastIndexOf("\n") + 1
    const complete = this.partial.slice(0, cut)
    this.partial = this.partial.slice(cut)
    for (const line of parseReport(complete)) this.take(line)
    return this
  }

  private take(line: ReportLine): void {
    const pid = Number(line.pid)
    switch (line.kind) {
      case "pid":
        this.members.set(pid, {
          pid,
          ppid: Number(line.ppid),
          start: String(line.start),
          role: String(line.role),
          ...(line.depth !== undefined ? { depth: Number(line.depth) } : {}),
        })
        break
      case "signal": {
        const list = this.signals.get(pid) ?? []
        list.push(String(line.signal))
        this.signals.set(pid, list)
        break
      }
      case "wrote": {
        const key = `${pid}:${String(line.stream)}`
        this.wrote.set(key, Math.max(this.wrote.get(key) ?? 0, Number(line.total)))
        break
      }
      case "read":
        this.reads.set(pid, { total: Number(line.total), eof: Boolean(line.eof) })
        break
      case "event":
        this.events.push({ pid, what: String(line.what) })
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
