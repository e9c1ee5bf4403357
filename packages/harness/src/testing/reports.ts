import { readReport, type ReportLine } from "../fixture-report.js"
import { mkdtempSync, rmSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { setTimeout as sleep } from "node:timers/promises"

// The reader is the one the matrix and the bench use.
export { readReport, reportedPids, type PidLine, type ReportLine } from "../fixture-report.js"

const dirs: string[] = []

/** A fresh report file path in its own temp dir (removed by removeReports). */
export function newReport(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pawwork-process-test-"))
  dirs.push(dir)
  return path.join(dir, "report.jsonl")
}

export function removeReports(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
}

/** Polls the report until `ready` holds; a generous hang guard, not a timing assertion. */
export async function waitForReport(
  file: string,
  ready: (lines: ReportLine[]) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<ReportLine[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const lines = readReport(file)
    if (ready(lines)) return lines
    if (Date.now() > deadline) throw new Error(`report never showed ${what}; it holds ${JSON.stringify(lines)}`)
    await sleep(25)
  }
}

export function countPids(n: number) {
  return (lines: ReportLine[]) => lines.filter((l) => l.kind === "pid").length >= n
}
