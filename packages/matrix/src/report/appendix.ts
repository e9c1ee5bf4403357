import { existsSync } from "node:fs"
import { join } from "node:path"

/** What this report needs of @pawwork/bench, loaded at run time so the matrix does not depend on it to build. */
interface BenchModule {
  readBench(path: string): unknown
  renderBenchSection(results: unknown, level?: number): string
}

/**
 * The figures the matrix does not measure itself: what the supervisor costs in time and memory (the
 * benchmark's own section, when `npm run bench` wrote bench.json beside this report) and how it holds up
 * under hostile input and load. One renderer per measurement: the benchmark's section comes from the
 * benchmark package, never re-derived here.
 */
export async function speedAndLoadSection(dir: string): Promise<string> {
  const path = join(dir, "bench.json")
  let bench = "Not measured in this run: `npm run bench` writes bench.json next to this report, and this section then " +
    "includes it. The committed Linux figures are in docs/bench-linux.md."
  if (existsSync(path)) {
    try {
      const name = "@pawwork/bench"
      const mod = (await import(name)) as BenchModule
      bench = mod.renderBenchSection(mod.readBench(path), 3)
    } catch (err) {
      bench = `${path} could not be included: ${(err as Error).message}`
    }
  }
  return [
    "## Speed, memory and load",
    "",
    bench,
    "",
    "Hostile input and heavy load (protocol fuzzing, 1 GiB per stream, 1,000 live children, 10,000 sequential " +
      "spawns, slow consumers): docs/load-and-hostile-input.md; their reduced sizes run in `npm test`.",
    "",
  ].join("\n")
}
