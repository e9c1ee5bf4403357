/*
 * The matrix's runner in a process of its own, for the runtimes the matrix does not itself run on:
 * `bun dist/src/worker.js SPEC.json OUT.json` (or a pinned Node's binary) runs the cells SPEC names (runtime.ts WorkerSpec) with the
 * same runner, scenarios and leak check as the Node cells, and writes them to OUT.json, labelled with the
 * runtime that really ran them. Progress lines go to stdout, one per finished cell.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { workerMain } from "@pawwork/harness"
import { loadCreateProcess } from "./api.js"
import { SCENARIOS } from "./scenarios/index.js"
import { paths } from "./paths.js"
import { detectPlatform } from "./platform.js"
import { createProgress } from "./progress.js"
import { runMatrix } from "./runner.js"
import { currentRuntime, runtimeVersion, type WorkerOutput, type WorkerSpec } from "./runtime.js"

async function work(specPath: string, outPath: string): Promise<void> {
  const spec = JSON.parse(readFileSync(specPath, "utf8")) as WorkerSpec
  const scenarios = spec.scenarios.map((name) => {
    const f = SCENARIOS.find((x) => x.name === name)
    if (!f) throw new Error(`unknown scenario ${name}`)
    return f
  })
  const runtime = currentRuntime()
  const progress = createProgress({ scenarios: spec.scenarios, backends: spec.backends, runs: spec.runs, out: process.stdout, overall: spec.overall })
  const { cells, rssKib } = await runMatrix({
    runs: spec.runs,
    scenarios,
    backends: spec.backends,
    graceMs: spec.graceMs,
    slackMs: spec.slackMs,
    hardTimeoutMs: spec.hardTimeoutMs,
    paths: paths(),
    platform: detectPlatform(),
    create: await loadCreateProcess(),
    progress,
    flakes: spec.flakes,
    runtime,
  })
  progress.finish()
  const output: WorkerOutput = { runtime, version: runtimeVersion(), cells, rssKib }
  writeFileSync(outPath, JSON.stringify(output))
}

workerMain("matrix worker", work)
