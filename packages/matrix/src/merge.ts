import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { readResults } from "./report/json.js"
import { runtimeLabel } from "./runtime.js"
import { compareRuntimes } from "@pawwork/harness"
import type { Cell, FailureCount, Results, RuntimeName } from "./types.js"

/*
 * One cross-OS report from the results.json of several machines (the CI
 * workflow's Linux, macOS and Windows jobs). Nothing is recomputed: every
 * number is the one its machine measured, under a platform column, so a
 * cell that did not run on a platform stays "not run" there, and a platform
 * whose job produced no results is listed as missing rather than left out.
 */

/** linux, darwin, win32, or wine for the Windows API under Wine (never counted as Windows). */
export type PlatformKey = string

export interface MergedSource {
  platform: PlatformKey
  /** The machine as its own report describes it. */
  label: string
  file: string
  runs_per_cell: number
  started_at: string
  finished_at: string
}

export interface MergedCell {
  platform: PlatformKey
  scenario: string
  backend: string
  /** "node", "node24", "bun"...; a results.json written before runtimes were measured is Node's. */
  runtime: string
  control: boolean
  expected: string
  runs: number
  passed: number
  failed: number
  flaky: number
  /** Runs that did not exercise the scenario (absent in merged files written before it existed). */
  not_exercised?: number
  flake_id: string | null
  not_run: number
  not_run_reason: string | null
  leaked_pids: number
  bytes_lost: number
  failures: FailureCount[]
}

export interface MergedResults {
  schema: 1
  kind: "cross-os"
  generated_at: string
  platforms: PlatformKey[]
  sources: MergedSource[]
  /** Platforms asked for that have no results (their job failed or uploaded nothing). */
  missing: { platform: PlatformKey; reason: string }[]
  scenarios: { name: string; title: string; control: boolean }[]
  backends: string[]
  /** The runtimes any platform measured, in table order (Nodes by major, then Bun). */
  runtimes: string[]
  cells: MergedCell[]
}

export function platformKey(r: Results): PlatformKey {
  return r.platform.under_wine ? "wine" : r.platform.os
}

/**
 * The results.json files under each path: a file as given; a directory's own
 * results.json, else those of its direct subdirectories (one per downloaded
 * artifact). Deeper ones, such as a test run's report/e2e/, are not taken.
 */
export function findResultFiles(paths: readonly string[]): string[] {
  const found: string[] = []
  for (const p of paths) {
    if (!existsSync(p)) throw new Error(`${p}: no such file or directory`)
    if (!statSync(p).isDirectory()) {
      found.push(p)
      continue
    }
    const own = join(p, "results.json")
    if (existsSync(own)) {
      found.push(own)
      continue
    }
    for (const name of readdirSync(p).sort()) {
      const inner = join(p, name, "results.json")
      if (statSync(join(p, name)).isDirectory() && existsSync(inner)) found.push(inner)
    }
  }
  return found
}

function mergedCell(platform: PlatformKey, c: Cell): MergedCell {
  return {
    platform,
    scenario: c.scenario,
    backend: c.backend,
    runtime: c.runtime ?? "node",
    control: c.control,
    expected: c.expected,
    runs: c.runs,
    passed: c.passed,
    failed: c.failed,
    flaky: c.flaky ?? 0,
    not_exercised: c.not_exercised ?? 0,
    flake_id: c.flake?.id ?? null,
    not_run: c.not_run,
    not_run_reason: c.not_run_reason,
    leaked_pids: c.leaked_pids,
    bytes_lost: c.bytes_lost,
    failures: c.failures,
  }
}

const union = (lists: readonly (readonly string[])[]): string[] => [...new Set(lists.flat())]

/** Merges per-platform results; `expected` platforms without results are listed as missing. Throws on two results of one platform. */
export function mergeResults(inputs: readonly { file: string; results: Results }[], expected: readonly PlatformKey[], now = new Date()): MergedResults {
  const byPlatform = new Map<PlatformKey, { file: string; results: Results }>()
  for (const input of inputs) {
    const key = platformKey(input.results)
    const twin = byPlatform.get(key)
    if (twin) throw new Error(`two results for platform ${key}: ${twin.file} and ${input.file}`)
    byPlatform.set(key, input)
  }
  const platforms = [...expected.filter((p) => byPlatform.has(p)), ...[...byPlatform.keys()].filter((p) => !expected.includes(p)).sort()]
  const all = platforms.map((p) => byPlatform.get(p)!)
  const scenarios = new Map<string, { name: string; title: string; control: boolean }>()
  for (const { results } of all) for (const f of results.scenarios) if (!scenarios.has(f.name)) scenarios.set(f.name, { name: f.name, title: f.title, control: f.control })
  return {
    schema: 1,
    kind: "cross-os",
    generated_at: now.toISOString(),
    platforms,
    sources: all.map(({ file, results }) => ({
      platform: platformKey(results),
      label: results.platform.label,
      file,
      runs_per_cell: results.runs_per_cell,
      started_at: results.started_at,
      finished_at: results.finished_at,
    })),
    missing: expected.filter((p) => !byPlatform.has(p)).map((platform) => ({ platform, reason: "no results.json (the job failed before the matrix, or uploaded nothing)" })),
    scenarios: [...scenarios.values()],
    backends: union(all.map(({ results }) => results.backends)),
    runtimes: [...new Set(all.flatMap(({ results }) => results.cells.map((c) => c.runtime ?? "node")))].sort((a, b) => compareRuntimes(a, b)),
    cells: all.flatMap(({ results }) => results.cells.map((c) => mergedCell(platformKey(results), c))),
  }
}

export function readAndMerge(paths: readonly string[], expected: readonly PlatformKey[], now = new Date()): MergedResults {
  const files = findResultFiles(paths)
  return mergeResults(files.map((file) => ({ file, results: readResults(file) })), expected, now)
}

const esc = (s: string) => s.replace(/\|/g, "\\|")

/** One table cell: "5/5", "3/5 · 1 flaky · 2 leaked", or "not run". */
export function cellText(c: MergedCell | undefined): string {
  if (!c) return "—"
  if (c.runs === 0) return "not run"
  const parts = [`${c.passed}/${c.runs}`]
  if (c.flaky > 0) parts.push(`${c.flaky} flaky (${c.flake_id ?? "?"})`)
  if ((c.not_exercised ?? 0) > 0) parts.push(`${c.not_exercised} not exercised`)
  if (c.leaked_pids > 0) parts.push(`${c.leaked_pids} leaked`)
  if (c.bytes_lost > 0) parts.push(`${c.bytes_lost} B lost`)
  return parts.join(" · ")
}

/** Merged files of older matrices have no `runtimes`: everything in them ran under Node. */
const runtimesIn = (m: MergedResults): string[] => m.runtimes ?? ["node"]

const find = (m: MergedResults, platform: string, scenario: string, backend: string, runtime = "node") =>
  m.cells.find((c) => c.platform === platform && c.scenario === scenario && c.backend === backend && (c.runtime ?? "node") === runtime)

/** The rows of the merged table: every backend under each runtime some platform measured it with. */
function rowKeys(m: MergedResults): { backend: string; runtime: string; label: string }[] {
  const multi = runtimesIn(m).length > 1
  return m.backends.flatMap((backend) =>
    runtimesIn(m)
      .filter((rt) => m.cells.some((c) => c.backend === backend && (c.runtime ?? "node") === rt))
      .map((runtime) => ({ backend, runtime, label: multi ? `${backend} (${runtimeLabel(runtime as RuntimeName)})` : backend })),
  )
}

/** Scenario x backend (x runtime) rows where the platforms that ran it disagree on "every run passed". */
export function disagreements(m: MergedResults): { scenario: string; backend: string; runtime: string; cells: MergedCell[] }[] {
  const out: { scenario: string; backend: string; runtime: string; cells: MergedCell[] }[] = []
  for (const f of m.scenarios) {
    for (const { backend: b, runtime } of rowKeys(m)) {
      const ran = m.platforms.map((p) => find(m, p, f.name, b, runtime)).filter((c): c is MergedCell => c !== undefined && c.runs > 0)
      const verdicts = new Set(ran.map((c) => c.passed === c.runs))
      if (verdicts.size > 1) out.push({ scenario: f.name, backend: b, runtime, cells: ran })
    }
  }
  return out
}

export function mergedMarkdown(m: MergedResults): string {
  const lines = ["# Scenario matrix: cross-OS report", ""]
  lines.push(`Merged ${m.generated_at} from ${m.sources.length} platform result(s). Each number is the one its own machine measured; nothing is recomputed.`, "")
  for (const s of m.sources) lines.push(`- **${s.platform}**: ${s.label}; ${s.runs_per_cell} runs per cell; ${s.started_at} to ${s.finished_at}`)
  for (const x of m.missing) lines.push(`- **${x.platform}: missing** — ${x.reason}`)
  lines.push("", "`wine` is the Windows API under Wine, never counted as Windows. A cell reads passed/runs; flaky runs passed only on a retry the known-flakes register allows and are not counted as passed.", "")
  lines.push("## Results", "")
  lines.push(`| scenario | backend | ${m.platforms.join(" | ")} |`)
  lines.push(`|---|---|${m.platforms.map(() => "---").join("|")}|`)
  for (const f of m.scenarios) {
    for (const { backend: b, runtime, label } of rowKeys(m)) {
      const row = m.platforms.map((p) => esc(cellText(find(m, p, f.name, b, runtime))))
      lines.push(`| ${f.name}${f.control ? " *(control)*" : ""} | ${label} | ${row.join(" | ")} |`)
    }
  }
  const split = disagreements(m)
  lines.push("", "## Where the platforms disagree", "")
  if (split.length === 0) lines.push("Every scenario x backend that ran on more than one platform had the same verdict on each.")
  const under = (runtime: string) => (runtimesIn(m).length > 1 ? ` under ${runtimeLabel(runtime as RuntimeName)}` : "")
  for (const d of split) lines.push(`- **${d.scenario} x ${d.backend}${under(d.runtime)}**: ${d.cells.map((c) => `${c.platform} ${c.passed}/${c.runs}`).join(", ")}`)
  lines.push("", "## Failures, per platform", "")
  for (const p of m.platforms) {
    const failing = m.cells.filter((c) => c.platform === p && c.runs > 0 && c.failures.length > 0)
    lines.push(`### ${p}`, "")
    if (failing.length === 0) lines.push("No failed run.")
    for (const c of failing) lines.push(`- ${c.scenario} x ${c.backend}${under(c.runtime ?? "node")} (expected ${c.expected}): ${c.failures.map((f) => `${esc(f.reason)} (${f.count}/${c.runs})`).join("; ")}`)
    lines.push("")
  }
  lines.push("## Not run, and why", "")
  const notRun = m.cells.filter((c) => c.runs === 0)
  if (notRun.length === 0) lines.push("Every cell ran on every platform.")
  const reasons = new Map<string, string[]>()
  for (const c of notRun) {
    const key = `${c.platform}: ${c.not_run_reason ?? "no reason given"}`
    reasons.set(key, [...(reasons.get(key) ?? []), `${c.scenario} x ${c.backend}${under(c.runtime ?? "node")}`])
  }
  for (const [why, cells] of reasons) lines.push(`- **${esc(why)}** — ${cells.length} cell(s): ${cells.join(", ")}`)
  return `${lines.join("\n")}\n`
}

export function writeMerged(dir: string, m: MergedResults): { json: string; md: string } {
  mkdirSync(dir, { recursive: true })
  const json = join(dir, "results.json")
  const md = join(dir, "REPORT.md")
  writeFileSync(json, `${JSON.stringify(m, null, 2)}\n`)
  writeFileSync(md, mergedMarkdown(m))
  return { json, md }
}
