import { spawnSync } from "node:child_process"
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs"
import { loadavg } from "node:os"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { loadCreateProcess } from "./api.js"
import { runAs } from "./containment.js"
import { declaredEngines } from "./engines.js"
import { SCENARIOS } from "./scenarios/index.js"
import { paths as findPaths } from "./paths.js"
import { detectPlatform } from "./platform.js"
import { type FlakeRegister, FlakeRegisterError, readFlakes } from "./flakes.js"
import { measureCost } from "./cost.js"
import { platformKey } from "./merge.js"
import { buildResults, readResults, writeJson } from "./report/json.js"
import { benchForResults } from "./report/appendix.js"
import { resultsTable, writeMarkdown } from "./report/markdown.js"
import { writeHtml } from "./report/html.js"
import { screenshot } from "./report/screenshot.js"
import { analyze } from "./report/analysis.js"
import { DRAIN_MS } from "./scenarios/hold-pipe.js"
import { isRuntimeName, pinnedNodes } from "@pawwork/harness"
import { planRuntimes, runRuntime, runtimeLabel } from "./runtime.js"
import type { Overall } from "./progress.js"
import {
  BACKENDS,
  BUN_BACKENDS,
  DEFAULT_RUNS,
  PUBLISH_RUNS,
  type BackendName,
  type BuildInfo,
  type Cell,
  type Scenario,
  type Results,
  type RuntimeInfo,
  type RuntimeName,
} from "./types.js"

export { DEFAULT_RUNS, PUBLISH_RUNS } from "./types.js"

const USAGE = `usage: npm run matrix -- [options]

  --runs N          runs per scenario x backend cell (default ${DEFAULT_RUNS}, a first look in minutes; ${PUBLISH_RUNS} with
                    --publish, as the committed reports)
  --scenario NAME   only this scenario (repeat, or comma-separate; --fixture is the same)
  --backend NAME    only this backend: ${BACKENDS.join(", ")} (repeat, or comma-separate)
  --runtime NAME    the runtimes the Process API runs under (repeat, or comma-separate): node (the Node running
                    the matrix), node22 / node24 (the pinned Nodes, scripts/node-runtimes.mjs), bun
                    (node_modules/.bin/bun); both = node,bun. Default: the pinned Nodes this host has (Linux
                    x64: node22, node24; elsewhere node) and bun. ${BUN_BACKENDS.join(", ")} run under
                    each; each comparison backend under one Node, the newest its packages declare in engines
  --out DIR         where results.json, REPORT.md and index.html go (default: report/)
  --grace MS        grace period of every cancel (default 400)
  --slack MS        allowance past the grace before a pid counts as leaked (default 1000)
  --flakes FILE     the known-flakes register (default docs/reference/flakes.md; a missing file retries nothing)
  --build-info FILE release-build timing written by the setup step
  --publish         runs ${PUBLISH_RUNS} per cell unless --runs says otherwise, and also copies REPORT.md to docs/results/report-PLATFORM.md, results.json to docs/results/results-PLATFORM.json and
                    takes a picture of the page's pass-rate grid (#grid, README width) as docs/results/report-PLATFORM.png (PLATFORM: linux, darwin, win32, or wine);
                    with --render, from that results.json
  --bench-label TXT show a bench.json (beside the report) from another commit or machine, labelled TXT;
                    without it such a file is refused and the report says why
  --render FILE     only re-render REPORT.md and index.html (into --out) from an existing results.json
  --list            list the scenarios and exit
  --no-setup        (scripts/matrix.mjs) skip install and builds
  --measure-build   (scripts/matrix.mjs) time a from-scratch release build of the sidecar
`

export interface CliOptions {
  runs: number
  scenarios: Scenario[]
  backends: BackendName[]
  /** The runtimes to measure under (`--runtime`); null: the default, which depends on the host (defaultRuntimes). */
  runtimes: RuntimeName[] | null
  out: string
  graceMs: number
  slackMs: number
  build: BuildInfo
  /** Known flakes (docs/reference/flakes.md): only the cells it names are retried. */
  flakes: FlakeRegister
  publish: boolean
  render: string | null
  /** `--bench-label`: accept a bench.json from another commit or machine, shown under this label. */
  benchLabel: string | null
  list: boolean
  help: boolean
}

const split = (values: string[] | undefined) => (values ?? []).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean)

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} needs a positive integer, got ${JSON.stringify(text)}`)
  return n
}

export function parseCli(argv: string[], root: string): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: "string" },
      scenario: { type: "string", multiple: true },
      // The flag's name before the matrix's cases were called scenarios: scripts and notes may still use it.
      fixture: { type: "string", multiple: true },
      backend: { type: "string", multiple: true },
      out: { type: "string" },
      runtime: { type: "string", multiple: true },
      grace: { type: "string" },
      slack: { type: "string" },
      "build-info": { type: "string" },
      flakes: { type: "string" },
      publish: { type: "boolean" },
      list: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      "no-setup": { type: "boolean" },
      "measure-build": { type: "boolean" },
      render: { type: "string" },
      "bench-label": { type: "string" },
    },
    strict: true,
  })
  const names = split([...(values.scenario ?? []), ...(values.fixture ?? [])])
  const unknown = names.filter((n) => !SCENARIOS.some((f) => f.name === n))
  if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(", ")} (see --list)`)
  const backends = split(values.backend)
  const badBackends = backends.filter((b) => !BACKENDS.includes(b as BackendName))
  if (badBackends.length) throw new Error(`unknown backend(s): ${badBackends.join(", ")}; known: ${BACKENDS.join(", ")}`)
  const runtimes = split(values.runtime).flatMap((r) => (r === "both" ? ["node", "bun"] : [r]))
  const badRuntimes = runtimes.filter((r) => !isRuntimeName(r))
  if (badRuntimes.length) throw new Error(`--runtime needs node, node<major> (e.g. node24), bun or both, got ${badRuntimes.map((r) => JSON.stringify(r)).join(", ")}`)
  let build: BuildInfo = { seconds: null, cached: false, note: "not measured in this run (setup skipped)" }
  if (values["build-info"] && existsSync(values["build-info"])) {
    build = JSON.parse(readFileSync(values["build-info"], "utf8")) as BuildInfo
  }
  return {
    runs: positive("runs", values.runs, values.publish ? PUBLISH_RUNS : DEFAULT_RUNS),
    scenarios: names.length ? SCENARIOS.filter((f) => names.includes(f.name)) : [...SCENARIOS],
    backends: backends.length ? BACKENDS.filter((b) => backends.includes(b)) : [...BACKENDS],
    runtimes: runtimes.length ? [...new Set(runtimes as RuntimeName[])] : null,
    out: resolve(values.out ?? join(root, "report")),
    graceMs: positive("grace", values.grace, 400),
    slackMs: positive("slack", values.slack, 1000),
    build,
    flakes: readFlakes(resolve(values.flakes ?? join(root, "docs", "reference", "flakes.md")), {
      scenarios: SCENARIOS.map((f) => f.name),
      backends: BACKENDS,
    }),
    publish: values.publish ?? false,
    render: values.render ? resolve(values.render) : null,
    benchLabel: values["bench-label"]?.trim() || null,
    list: values.list ?? false,
    help: values.help ?? false,
  }
}

export const TIMEOUT_RACE =
  "every backend is cancelled the same way: the harness's own timer aborts the child mid-stream through the `abort` " +
  "option (PawWork's callers do exactly that); the supervisor's `runTimeout` is not used, so the trigger is identical " +
  "and only the backends' handling differs."

/** Runs the matrix as configured and writes the three reports; returns the results. */
export async function runAndReport(opts: CliOptions, out: NodeJS.WriteStream = process.stdout): Promise<Results> {
  const p = findPaths()
  const platform = detectPlatform()
  const create = await loadCreateProcess()
  const startedAt = new Date()
  const loads = [loadavg()[0]!]
  const loadSampler = setInterval(() => loads.push(loadavg()[0]!), 5000)
  loadSampler.unref()
  const hardTimeoutMs = 20_000
  const packages = declaredEngines(p.root, opts.backends)
  const plans = (await planRuntimes(p.root, opts.runtimes ?? (await defaultRuntimes(p.root)), opts.backends, packages)).filter((x) => x.backends.length > 0)
  const cells: Cell[] = []
  const rssKib: number[] = []
  const runtimes: RuntimeInfo[] = []
  const overall: Overall = { runsBefore: 0, measuredBefore: 0, msBefore: 0, runsTotal: plans.reduce((n, x) => n + x.backends.length, 0) * opts.scenarios.length * opts.runs }
  for (const plan of plans) {
    if (plans.length > 1) out.write(`${runtimeLabel(plan.runtime.name)} (${plan.runtime.name}): ${plan.backends.join(", ")}\n`)
    const started = performance.now()
    const got = await runRuntime(plan, { ...opts, hardTimeoutMs, paths: p, platform, create, out, overall: { ...overall } })
    overall.runsBefore += plan.backends.length * opts.scenarios.length * opts.runs
    overall.measuredBefore += got.cells.reduce((n, c) => n + c.runs, 0)
    overall.msBefore += performance.now() - started
    cells.push(...got.cells)
    rssKib.push(...got.rssKib)
    runtimes.push(got.info)
  }
  clearInterval(loadSampler)
  loads.push(loadavg()[0]!)
  const round2 = (x: number) => Math.round(x * 100) / 100
  const results = buildResults({
    platform,
    startedAt,
    finishedAt: new Date(),
    runs: opts.runs,
    load: { start: round2(loads[0]!), end: round2(loads.at(-1)!), max: round2(Math.max(...loads)), samples: loads.length },
    backends: opts.backends,
    runtimes,
    settings: {
      grace_ms: opts.graceMs,
      slack_ms: opts.slackMs,
      hard_timeout_ms: hardTimeoutMs,
      drain_timeout_ms: DRAIN_MS,
      timeout_race: TIMEOUT_RACE,
    },
    scenarios: opts.scenarios,
    cells,
    cost: measureCost({ root: p.root, supervisorBin: p.supervisorBin, build: opts.build, rssKib }),
    flakes: opts.flakes,
    root: p.root,
  })
  results.commit = gitCommit(p.root)
  results.run_as = runAs()
  results.backend_packages = packages
  results.bench = benchForResults(opts.out, results, opts.benchLabel)
  mkdirSync(opts.out, { recursive: true })
  writeJson(opts.out, results)
  await writeReports(opts, results)
  return results
}

/** Without `--runtime`: the pinned Nodes this host runs (node22, node24 on Linux x64), else the running Node; and Bun. */
export async function defaultRuntimes(root: string): Promise<RuntimeName[]> {
  const pinned = await pinnedNodes(root)
  return [...(pinned.length ? pinned : ["node" as const]), "bun"]
}

/** The commit the matrix ran from, "-dirty" appended when the checkout had changes; null without git. */
function gitCommit(root: string): string | null {
  const head = spawnSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8" })
  if (head.status !== 0) return null
  const dirty = spawnSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: root, encoding: "utf8" })
  return `${head.stdout.trim()}${dirty.status === 0 && dirty.stdout.trim() ? "-dirty" : ""}`
}

/**
 * REPORT.md and index.html from results; with --publish also docs/results/report-PLATFORM.{md,png} and the
 * results.json they come from, docs/results/results-PLATFORM.json, named by where the results were measured
 * (linux, darwin, win32, or wine for the Windows API under Wine). The Markdown is rendered from the
 * results alone, so `--render docs/results/results-PLATFORM.json` gives docs/results/report-PLATFORM.md byte for byte.
 */
async function writeReports(opts: CliOptions, results: Results): Promise<void> {
  const root = findPaths().root
  mkdirSync(opts.out, { recursive: true })
  const md = await writeMarkdown(opts.out, results)
  const html = writeHtml(opts.out, results)
  if (opts.publish) {
    const key = platformKey(results)
    copyFileSync(md, join(root, "docs", "results", `report-${key}.md`))
    copyFileSync(writeJson(opts.out, results), join(root, "docs", "results", `results-${key}.json`))
    await screenshot(html, join(root, "docs", "results", `report-${key}.png`), root)
  }
}

export async function main(argv = process.argv.slice(2)): Promise<number> {
  let opts: CliOptions
  try {
    opts = parseCli(argv, findPaths().root)
  } catch (err) {
    if (err instanceof FlakeRegisterError) {
      process.stderr.write(`the known-flakes register does not parse, so the matrix does not run:\n  ${err.message}\n`)
    } else process.stderr.write(`${(err as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (opts.help) {
    process.stdout.write(USAGE)
    return 0
  }
  if (opts.list) {
    for (const f of SCENARIOS) process.stdout.write(`${f.name.padEnd(22)} ${f.title}\n`)
    return 0
  }
  if (opts.render) {
    const results = readResults(opts.render)
    await writeReports(opts, results)
    process.stdout.write(`${resultsTable(results)}\n\nrendered ${join(opts.out, "REPORT.md")} and index.html from ${opts.render}\n`)
    return 0
  }
  const results = await runAndReport(opts)
  process.stdout.write(`\n${resultsTable(results)}\n\n`)
  for (const line of analyze(results).recommendation.lines) process.stdout.write(`- ${line.replace(/\*\*/g, "")}\n`)
  process.stdout.write(`\nwrote ${join(opts.out, "results.json")}, REPORT.md and index.html\n`)
  return 0
}
