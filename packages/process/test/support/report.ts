import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { setTimeout as sleep } from "node:timers/promises"

export interface PidLine {
  kind: "pid"
  pid: number
  ppid: number
  start: string
  role: string
  depth?: number
}

export type ReportLine =
  | PidLine
  | { kind: "signal"; pid: number; signal: string }
  | { kind: "wrote"; pid: number; stream: string; total: number }
  | { kind: "read"; pid: number; total: number; eof: boolean }
  | { kind: "event"; pid: number; what: string }

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

export function readReport(file: string): ReportLine[] {
  let text: string
  try {
    text = readFileSync(file, "utf8")
  } catch {
    return []
  }
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as ReportLine)
}

export function reportedPids(file: string): PidLine[] {
  return readReport(file).filter((l): l is PidLine => l.kind === "pid")
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
