import { reportedPids, type Member } from "@pawwork/harness"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { waitUntil } from "./clock.js"

/** A fixture report file in its own temp folder, for one measured tree; read by the harness's reader. */
export class BenchReport {
  readonly path: string
  private readonly dir: string

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), "pawwork-bench-"))
    this.path = join(this.dir, "report.jsonl")
  }

  /** Waits until `count` processes have reported; throws after `limitMs` (a hang guard, not a measurement). */
  async waitFor(count: number, limitMs = 15_000): Promise<Member[]> {
    let pids: Member[] = []
    const ok = await waitUntil(() => (pids = reportedPids(this.path)).length >= count, limitMs)
    if (!ok) throw new Error(`only ${pids.length} of ${count} fixture processes reported within ${limitMs} ms`)
    return pids
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }
}
