import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { waitUntil } from "./clock.js"

export interface ReportedPid {
  pid: number
  start: string
  role: string
}

/**
 * The JSON-lines report file the fixture program appends to (docs/fixture-program.md): every process of a
 * fixture tree writes its pid line first, so it names every member even if it is killed right after.
 */
export class FixtureReport {
  readonly path: string
  private readonly dir: string

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), "pawwork-bench-"))
    this.path = join(this.dir, "report.jsonl")
  }

  pids(): ReportedPid[] {
    let text: string
    try {
      text = readFileSync(this.path, "utf8")
    } catch {
      return []
    }
    const found: ReportedPid[] = []
    for (const line of text.split("\n")) {
      if (!line.trim()) continue
      try {
        const entry = JSON.parse(line) as { kind?: string; pid?: number; start?: string | null; role?: string }
        if (entry.kind === "pid" && typeof entry.pid === "number" && typeof entry.start === "string") {
          found.push({ pid: entry.pid, start: entry.start, role: entry.role ?? "?" })
        }
      } catch {
        // A line is written with one write(2), so a torn line cannot happen; skip anything odd anyway.
      }
    }
    return found
  }

  /** Waits until `count` processes have reported; throws after `limitMs` (a hang guard, not a measurement). */
  async waitFor(count: number, limitMs = 15_000): Promise<ReportedPid[]> {
    let pids: ReportedPid[] = []
    const ok = await waitUntil(() => (pids = this.pids()).length >= count, limitMs)
    if (!ok) throw new Error(`only ${pids.length} of ${count} fixture processes reported within ${limitMs} ms`)
    return pids
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }
}
