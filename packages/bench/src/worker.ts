/*
 * The client measurements in a process of their own, for Bun: `bun dist/src/worker.js SPEC.json OUT.json`
 * runs measureClient with the sizes and binaries SPEC names (runtime.ts WorkerSpec) and writes the figures,
 * labelled with the runtime that really ran them, to OUT.json. Progress lines go to stdout.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { workerMain } from "@pawwork/harness"
import { SIZES } from "./config.js"
import { toCamelKeys, toSnakeKeys } from "./json-case.js"
import { measureClient } from "./run.js"
import type { WorkerSpec } from "./runtime.js"

async function work(specPath: string, outPath: string): Promise<void> {
  const spec = toCamelKeys(JSON.parse(readFileSync(specPath, "utf8"))) as unknown as WorkerSpec
  const sizes = SIZES[spec.mode]
  if (!sizes) throw new Error(`unknown mode ${String(spec.mode)}`)
  const client = await measureClient(sizes, spec.bins, spec.variants, (m) => process.stdout.write(`${m}\n`))
  writeFileSync(outPath, JSON.stringify(toSnakeKeys(client)))
}

workerMain("bench worker", work)
