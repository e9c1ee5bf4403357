import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { isRuntimeName, pinnedNodes } from "@pawwork/harness"
import { SIZES } from "./config.js"
import { binaries, repoRoot } from "./paths.js"
import { writeReport } from "./report.js"
import { runBench } from "./run.js"
import type { Mode, RuntimeName } from "./types.js"

const USAGE = `usage: npm run bench -- [options]

  --quick        smoke run with tiny sizes (seconds; what the test runs)
  --full         bigger sizes (5,000 round trips, 1 GiB floods, up to 2,000 children)
  --runtime R    the client side's runtimes (repeat, or comma-separate): node (the Node running the bench),
                 node22 / node24 (the pinned Nodes, scripts/node-runtimes.mjs), bun; both = node,bun. Default: the
                 Node PawWork's desktop app runs (node24, where it is pinned for this host; else node) and bun.
                 Every runtime but the running Node runs in a process of its own
  --out DIR      where bench.json, BENCH.md and bench.html go (default: report/)
  --no-setup     (scripts/bench.mjs) skip npm install and the builds
  -h, --help     this text
`

export interface CliOptions {
  mode: Mode
  /** null: the default (defaultRuntimes). */
  runtimes: RuntimeName[] | null
  out: string
  help: boolean
}

export function parseCli(argv: string[], root: string): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean" },
      full: { type: "boolean" },
      out: { type: "string" },
      runtime: { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
      "no-setup": { type: "boolean" },
    },
    strict: true,
  })
  if (values.quick && values.full) throw new Error("--quick and --full exclude each other")
  const runtimes = (values.runtime ?? []).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean).flatMap((r) => (r === "both" ? ["node", "bun"] : [r]))
  const bad = runtimes.filter((r) => !isRuntimeName(r))
  if (bad.length) throw new Error(`--runtime must be node, node<major> (e.g. node24), bun or both (got ${bad.join(", ")})`)
  return {
    mode: values.quick ? "quick" : values.full ? "full" : "default",
    runtimes: runtimes.length ? [...new Set(runtimes as RuntimeName[])] : null,
    out: resolve(values.out ?? join(root, "report")),
    help: values.help === true,
  }
}

/**
 * Without `--runtime`: the Node PawWork's desktop app runs (Electron bundles Node 24 since Electron 40), pinned,
 * where this host has that pin (else the running Node), and Bun (PawWork's server and CLI).
 */
export async function defaultRuntimes(root: string): Promise<RuntimeName[]> {
  const pinned = await pinnedNodes(root)
  return [pinned.includes("node24") ? "node24" : "node", "bun"]
}

/** The command: returns the exit code (0, or 1 with the reason on stderr; 2 for a bad command line). */
export async function main(argv: string[]): Promise<number> {
  const root = repoRoot()
  let opts: CliOptions
  try {
    opts = parseCli(argv, root)
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n${USAGE}`)
    return 2
  }
  if (opts.help) {
    process.stdout.write(USAGE)
    return 0
  }
  if (process.platform !== "linux") {
    process.stderr.write("bench: reads /proc for pids, RSS and CPU, so it runs on Linux only\n")
    return 1
  }
  try {
    const bins = binaries(root)
    const log = (m: string) => process.stdout.write(`bench: ${m}\n`)
    const runtimes = opts.runtimes ?? (await defaultRuntimes(root))
    log(`mode ${opts.mode}, client runtime(s) ${runtimes.join(", ")}`)
    const results = await runBench(SIZES[opts.mode], bins, log, runtimes)
    const written = writeReport(results, opts.out)
    log(`took ${results.durationSeconds} s; wrote ${written.json}, ${written.markdown}, ${written.html}`)
    for (const t of results.targets) log(`${t.met ? "met   " : "MISSED"} ${t.label}: ${t.measured}${t.met ? "" : ` (by ${t.missedBy})`}`)
    return 0
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`)
    return 1
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main(process.argv.slice(2))
