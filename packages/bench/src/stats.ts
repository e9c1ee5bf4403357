import type { Summary } from "./types.js"

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error("percentile of no values")
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!
}

export const median = (values: readonly number[]): number => percentile(values, 50)

/** Rounds to `digits` decimals; keeps the JSON readable without losing anything the report shows. */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error("summary of no values")
  const sum = values.reduce((a, b) => a + b, 0)
  return {
    n: values.length,
    p50: round(percentile(values, 50)),
    p99: round(percentile(values, 99)),
    mean: round(sum / values.length),
    min: round(Math.min(...values)),
    max: round(Math.max(...values)),
  }
}

/** a / b, rounded; the report states every comparison as such a ratio. */
export const ratio = (a: number, b: number): number => round(a / b, 3)

/** The median of samples with their spread: what every throughput figure reports. */
export function spread(values: readonly number[]): { median: number; min: number; max: number } {
  if (values.length === 0) throw new Error("spread of no values")
  return { median: round(median(values), 1), min: round(Math.min(...values), 1), max: round(Math.max(...values), 1) }
}
