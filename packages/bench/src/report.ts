import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { isAbsolute, join, relative, sep } from "node:path"
import { renderBenchHtml } from "./html.js"
import { toCamelKeys, toSnakeKeys } from "./json-case.js"
import { renderBenchMarkdown } from "./markdown.js"
import { repoRoot } from "./paths.js"
import type { BenchResults } from "./types.js"

/** bench.json's schema tag: /2 holds one set of client figures per runtime (`runtimes`) and the producer's own rate. */
export const BENCH_SCHEMA = "pawwork-bench/2"

export interface WrittenReport {
  json: string
  markdown: string
  html: string
}

/**
 * A path inside the repository as the repository names it, so a committed bench.json says nothing of the
 * machine it ran on; any other string as it is.
 */
export function repoRelative(value: string, root: string): string {
  return isAbsolute(value) && value.startsWith(root + sep) ? relative(root, value) : value
}

/** Writes bench.json, BENCH.md and bench.html into `dir` (created if needed). */
export function writeReport(results: BenchResults, dir: string, root = repoRoot()): WrittenReport {
  mkdirSync(dir, { recursive: true })
  const written = { json: join(dir, "bench.json"), markdown: join(dir, "BENCH.md"), html: join(dir, "bench.html") }
  const json = JSON.stringify(toSnakeKeys(results), (_key, v: unknown) => (typeof v === "string" ? repoRelative(v, root) : v), 2)
  writeFileSync(written.json, json + "\n")
  writeFileSync(written.markdown, renderBenchMarkdown(results))
  writeFileSync(written.html, renderBenchHtml(results))
  return written
}

/** Reads a bench.json back (e.g. for the matrix report to embed); checks only the schema tag. */
export function readBench(path: string): BenchResults {
  return fromBenchJson(JSON.parse(readFileSync(path, "utf8")), path)
}

/** A bench.json's parsed (snake_case) content as the code's BenchResults; checks only the schema tag. */
export function fromBenchJson(data: unknown, path = "bench.json"): BenchResults {
  const parsed = toCamelKeys(data) as unknown as BenchResults
  if (parsed.schema !== BENCH_SCHEMA) throw new Error(`${path} is not a ${BENCH_SCHEMA} file (schema ${String(parsed.schema)})`)
  return parsed
}
