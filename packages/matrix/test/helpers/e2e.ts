import type { CliOptions } from "../../src/cli.js"
import type { FlakeRegister } from "../../src/flakes.js"
import type { BackendName, Scenario, RuntimeName } from "../../src/types.js"

/** Progress lines go to stderr, so a slow e2e run shows where it is. */
export const progressOut = Object.assign(Object.create(process.stderr) as NodeJS.WriteStream, {
  isTTY: false,
  write: (s: string) => process.stderr.write(s),
})

/**
 * The options of a short matrix run inside a test: the harness's usual grace and slack (400 ms, 1000 ms),
 * no build timing, no publishing. What a test varies is what it passes.
 */
export function e2eOptions(run: {
  runs: number
  scenarios: Scenario[]
  backends: BackendName[]
  /** null: the default (cli.ts defaultRuntimes). */
  runtimes: RuntimeName[] | null
  out: string
  flakes: FlakeRegister
}): CliOptions {
  return {
    ...run,
    graceMs: 400,
    slackMs: 1000,
    build: { seconds: null, cached: false, note: "not measured (test run)" },
    publish: false,
    render: null,
    benchLabel: null,
    list: false,
    help: false,
  }
}
