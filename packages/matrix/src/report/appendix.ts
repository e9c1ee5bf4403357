import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { BENCH_SCHEMA, renderBenchSection } from "@pawwork/bench"
import type { BenchUsed, Results } from "../types.js"

/** The fields of a bench.json that say where it was measured (`commit` only when the benchmark recorded one). */
interface BenchOrigin {
  commit?: string | null
  machine?: { cores?: number; kernel?: string; arch?: string }
}

/**
 * Where a bench.json differs from the matrix run it would be appended to: another commit (or none
 * recorded), another machine (cores, kernel, architecture). Empty when it is this run's own.
 */
export function benchMismatch(bench: unknown, r: Pick<Results, "commit" | "platform">): string[] {
  const b = bench as BenchOrigin
  const out: string[] = []
  const commit = b.commit ?? null
  if (commit === null || r.commit == null) out.push(`commit ${commit ?? "not recorded by the benchmark"}, this report's ${r.commit ?? "not recorded"}`)
  else if (commit !== r.commit) out.push(`commit ${commit.slice(0, 12)}, this report's ${r.commit.slice(0, 12)}`)
  const m = b.machine ?? {}
  const kernel = `${m.kernel ?? ""}`
  if (m.cores !== r.platform.cpus || m.arch !== r.platform.arch || !kernel.endsWith(r.platform.kernel)) {
    out.push(`machine ${m.cores ?? "?"} CPUs ${m.arch ?? "?"} ${kernel || "?"}, this report's ${r.platform.cpus} CPUs ${r.platform.arch} ${r.platform.kernel}`)
  }
  return out
}

/**
 * At the end of a matrix run: the bench.json beside the report, embedded in results.json so that the
 * published report can be rendered again from that file alone. One from another commit or machine is
 * refused unless `label` says where it comes from; then it is shown under that label.
 */
export function benchForResults(dir: string, r: Pick<Results, "commit" | "platform">, label: string | null): BenchUsed | null {
  const path = join(dir, "bench.json")
  if (!existsSync(path)) return null
  let data: unknown
  try {
    data = JSON.parse(readFileSync(path, "utf8"))
  } catch (err) {
    return { label, refused: `bench.json could not be read: ${(err as Error).message.split("\n")[0]}`, mismatch: [], data: null }
  }
  const schema = (data as { schema?: unknown } | null)?.schema
  // /2 holds the client figures per runtime; the benchmark's renderer reads only that shape, so an older
  // file is refused here with its reason rather than failing at render time.
  if (schema !== BENCH_SCHEMA) {
    return { label, refused: `bench.json is not a ${BENCH_SCHEMA} file (schema ${String(schema)})`, mismatch: [], data: null }
  }
  const mismatch = benchMismatch(data, r)
  if (mismatch.length > 0 && label === null) {
    return { label, refused: `bench.json is not from this run's commit and machine (${mismatch.join("; ")}), and no --bench-label says where it comes from`, mismatch, data: null }
  }
  return { label, refused: null, mismatch, data }
}

/**
 * The figures the matrix does not measure itself: what the supervisor costs in time and memory (the
 * benchmark's own section, from the bench.json embedded in results.json) and how it holds up under hostile
 * input and load. One renderer per measurement: the benchmark's section comes from the benchmark package,
 * never re-derived here. Everything comes from `r`, so rendering a results.json again gives the same text.
 */
export async function speedAndLoadSection(r: Pick<Results, "bench">): Promise<string> {
  const used = r.bench ?? null
  let bench = "Not measured in this run: `npm run bench` writes bench.json next to this report before the matrix runs, " +
    "and this section then includes it. The committed Linux figures are in docs/results/bench-linux.md."
  if (used?.refused) bench = `Not included: ${used.refused}. The committed Linux figures are in docs/results/bench-linux.md.`
  else if (used?.data) {
    // The embedded data is whatever a bench.json held; a section the benchmark cannot render from it is
    // reported as such instead of failing the whole report.
    try {
      const head = used.mismatch.length > 0
        ? `**Measured elsewhere — ${used.label}** (${used.mismatch.join("; ")}): not this run's figures.\n\n`
        : ""
      bench = head + renderBenchSection(used.data, 3)
    } catch (err) {
      bench = `The embedded bench.json could not be included: ${(err as Error).message}`
    }
  }
  return [
    "## Speed, memory and load",
    "",
    bench,
    "",
    "Hostile input and heavy load (protocol fuzzing, 1 GiB per stream, 1,000 live children, 10,000 sequential " +
      "spawns, slow consumers): docs/reference/load-and-hostile-input.md; their reduced sizes run in `npm test`.",
    "",
  ].join("\n")
}
