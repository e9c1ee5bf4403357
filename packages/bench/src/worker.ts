/*
 * The client measurements in a process of their own, for Bun: `bun dist/src/worker.js SPEC.json OUT.json`
 * runs measureClient with the sizes and binaries SPEC names (runtime.ts WorkerSpec) and writes the figures,
 * labelled with the runtime that really ran them, to OUT.json. Progress lines go to stdout.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { SIZES } from "./config.js"
import { toCamelKeys, toSnakeKeys } from "./json-case.js"
import { measureClient } from "./run.js"
import type { WorkerSpec } from "./runtime.js"

async function work(specPath: string, outPath: string): Promise<void> {
  const spec = toCamelKeys(JSON.parse(readFileSync(specPath, "utf8"))) as unknown as WorkerSpec
  const sizes = SIZES[spec.mode]
  if (!sizes) throw new Error(`unknown mode ${String(spec.mode)}`)
  const client = await measureClient(sizes, spec.bins, spec.withNoCgroup, (m) => process.stdout.write(`${m}\n`))
  writeFileSync(outPath, JSON.stringify(toSnakeKeys(client)))
}

const [specPath, outPath] = process.argv.slice(2)
if (!specPath || !outPath) {
  process.stderr.write("usage: worker.js SPEC.json OUT.json\n")
  process.exit(2)
}
work(specPath, outPath).then(
  // The backends are closed by measureClient; exit at once so a stray handle cannot keep the worker alive.
  () => process.stdout.write("", () => process.exit(0)),
  (err: unknown) => {
    process.stderr.write(`bench worker: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(1)
  },
)
