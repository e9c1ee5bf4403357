import os from "node:os"
import type { LoadSpan } from "./types.js"

/** The 1-minute load average now, to two decimals. */
export const load1 = (): number => Math.round((os.loadavg()[0] ?? 0) * 100) / 100

/**
 * Records the load around one measurement: `start()` before it, `sample()` between its samples (the peak
 * can come and go inside a long measurement), `span()` after it.
 */
export class LoadTracker {
  private first: number
  private peak: number

  constructor(private readonly read: () => number = load1) {
    this.first = read()
    this.peak = this.first
  }

  sample(): void {
    this.peak = Math.max(this.peak, this.read())
  }

  span(): LoadSpan {
    const end = this.read()
    return { start: this.first, end, max: Math.max(this.peak, end) }
  }
}

/**
 * Whether a figure was measured on a machine busier than it has cores: at some point (start, end or a
 * reading in between) more runnable tasks than CPUs, so the figure includes waiting for a CPU.
 */
export const overCores = (span: LoadSpan, cores: number): boolean => Math.max(span.start, span.end, span.max) > cores

/** "1.2 -> 3.4 (max 3.6)", and the warning when over the core count, for beside a figure in the report. */
export function describeLoad(span: LoadSpan, cores: number): string {
  const base = `${span.start} -> ${span.end}${span.max > Math.max(span.start, span.end) ? ` (max ${span.max})` : ""}`
  return overCores(span, cores) ? `${base} **over ${cores} cores**` : base
}
