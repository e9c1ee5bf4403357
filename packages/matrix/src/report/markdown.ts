import { writeFileSync } from "node:fs"
import { join } from "node:path"
import type { BackendName, Cell, Results, RuntimeInfo } from "../types.js"
import { LEAK_CAP_MS } from "../scenarios/steps.js"
import { speedAndLoadSection } from "./appendix.js"
import { analyze, cellSummary, explanation, flakyText, formatBytes, ladderText, mechanismFor, notExercisedText, peerNote, reasonsText } from "./analysis.js"
import { cellAt, cellLabel, columns, multiRuntime, peerRuntimes, runtimeDiffText, runtimeList, runtimeName, runtimesOf } from "./columns.js"
import { engineNotes } from "../engines.js"
import { BUN_BACKENDS, PEERS, PUBLISH_RUNS } from "../types.js"

const esc = (s: string) => s.replace(/\|/g, "\\|")

/** Scenario rows, one column per backend and runtime: pass rate plus leaks and bytes lost. */
export function resultsTable(r: Results): string {
  const cols = columns(r)
  const head = `| scenario | ${cols.map((c) => c.label).join(" | ")} |`
  const rule = `|---|${cols.map(() => "---").join("|")}|`
  const rows = r.scenarios.map((f) => {
    const cells = cols.map((col) => {
      const c = cellAt(r, f.name, col.backend, col.runtime)
      return esc(c ? cellSummary(c) : "—")
    })
    return `| ${f.name}${f.control ? " *(control)*" : ""} | ${cells.join(" | ")} |`
  })
  return [head, rule, ...rows].join("\n")
}

function quiescenceTable(r: Results): string {
  const cols = columns(r)
  const head = `| scenario | ${cols.map((c) => c.label).join(" | ")} |`
  const rule = `|---|${cols.map(() => "---").join("|")}|`
  const rows = r.scenarios
    .filter((f) => !f.control)
    .map((f) => {
      const cells = cols.map((col) => {
        const c = cellAt(r, f.name, col.backend, col.runtime)
        const q = c?.quiescence_ms
        if (!c || c.runs === 0) return "not run"
        // A cell without leaks and without a quiescence was not timed (e.g. exit-status has no cancel).
        if (!q) return c.leaked_pids > 0 ? "never (leaked)" : "not measured"
        const partial = q.n < c.runs ? ` (${q.n}/${c.runs} runs)` : ""
        return `${q.p50} / ${q.p95} / ${q.max}${partial}`
      })
      return `| ${f.name} | ${cells.join(" | ")} |`
    })
  return [head, rule, ...rows].join("\n")
}

function perScenario(r: Results): string {
  const { scenarios } = analyze(r)
  return scenarios
    .map((v) => {
      const lines = [`### ${v.info.name}: ${v.info.title}`, "", v.info.description, ""]
      const label = (c: Cell) => cellLabel(r, c)
      lines.push(`- **Passes (every run):** ${v.passing.length ? v.passing.join(", ") : "none"}`)
      for (const c of v.failing) {
        lines.push(
          `- **Fails: ${label(c)}** (${c.passed}/${c.runs} passed) — ${reasonsText(c)}. ${explanation(r, v.info, c)}.`,
        )
      }
      for (const c of v.flaky) {
        lines.push(`- **Flaky: ${label(c)}** — ${flakyText(c)}. ${explanation(r, v.info, c)}.`)
      }
      for (const c of v.notExercised) lines.push(`- **Not exercised: ${label(c)}** — ${notExercisedText(c)}.`)
      for (const c of v.cells.filter((x) => x.flake && x.flaky === 0 && x.runs > 0)) {
        lines.push(`- Registered flake for ${label(c)}: \`${c.flake!.id}\` (${c.flake!.symptom}; retry ${c.flake!.retries}); no run needed a retry this time.`)
      }
      for (const c of v.notRun) lines.push(`- **Not run: ${label(c)}** — ${c.not_run_reason}`)
      for (const c of v.cells) for (const n of c.notes ?? []) lines.push(`- **Harness note, ${label(c)}:** ${n}`)
      for (const d of v.runtimeDiffs) lines.push(`- **The runtime changes the result:** ${runtimeDiffText(r, d)}.`)
      if (v.newlyCovered) lines.push(`- **Newly covered by the supervisor**${peerNote(v.peersPassing)}.`)
      if (v.regression) lines.push("- **Regression: a baseline passes where the supervisor does not.**")
      for (const c of v.passingCells.filter((x) => x.unexpected)) lines.push(`- **Passes every run: ${label(c)}** — ${explanation(r, v.info, c)}.`)
      for (const b of passingBackends(v.passingCells.filter((x) => !x.unexpected))) lines.push(`- ${b}: ${mechanismFor(r, v.info, b)}.`)
      for (const c of v.cells) if (ladderText(r, c)) lines.push(`- **Ladder, ${label(c)}:** ${ladderText(r, c)}.`)
      return lines.join("\n")
    })
    .join("\n\n")
}

/** Each backend with a passing cell, once (its mechanism does not depend on the runtime). */
export function passingBackends(cells: readonly Cell[]): Cell["backend"][] {
  return [...new Set(cells.map((c) => c.backend))]
}

/** With several runtimes: what ran under which, and why the comparison backends have one column each. */
export function runtimesNote(r: Results): string {
  if (!multiRuntime(r)) return ""
  const versions = (r.runtimes ?? []).map((x) => `${versionName(r, x)} (${x.backends.join(", ")})`).join("; ")
  const rts = runtimesOf(r)
  const under = rts.length === 2
    ? `once with the Process API running under ${runtimeName(r, rts[0]!)}, once under ${runtimeName(r, rts[1]!)}`
    : `once with the Process API running under each of ${runtimeList(r, rts)}`
  const own = rts.filter((rt) => rt !== "node").map((rt) => runtimeName(r, rt))
  return `Each backend PawWork ships (${BUN_BACKENDS.filter((b) => r.backends.includes(b)).join(", ")}) has a column per runtime: the same scenarios, ` +
    `${under} (${own.length === 1 ? "its own process" : "each in its own process but the Node running the matrix"}: the Process API, its child processes and its ` +
    `event loop are ${own.length === 1 ? `${own[0]}'s` : "that runtime's"}). Runtimes: ${versions}.` + peersNote(r)
}

/** "Node 24.22.3", "Bun 1.4.4"; "Node 24 not run" when its worker never reported a version. */
function versionName(r: Results, x: RuntimeInfo): string {
  return /^\d/.test(x.version) ? `${x.name === "bun" ? "Bun" : "Node"} ${x.version}` : `${runtimeName(r, x.name)} ${x.version}`
}

/** Where the comparison backends ran, and why only there. */
function peersNote(r: Results): string {
  const groups = peerRuntimes(r)
  if (!groups) return ""
  const peers = groups.flatMap((g) => g.backends).join(", ")
  const where = runtimeList(r, groups.map((g) => g.runtime))
  if (runtimesOf(r).every((rt) => rt === "bun" || groups.some((g) => g.runtime === rt))) {
    return ` The comparison backends (${peers}) ran under ${where} only, by design: they are not engines PawWork ships under Bun.`
  }
  const unmet = Object.keys(engineNotes(r)).filter((b) => groups.some((g) => g.backends.includes(b as BackendName)))
  return ` The comparison backends (${peers}) ran under ${where} only, by design: they are not engines PawWork ships, and each runs on ` +
    "the newest Node of the run its packages admit in `engines`" + (unmet.length ? ` (the newest, for ${unmet.join(", ")}: none does)` : "") + "."
}

function costSection(r: Results): string {
  const c = r.cost
  const build = c.build.seconds === null
    ? c.build.note
    : c.build.cached
      ? `cached: cargo had nothing to rebuild (${c.build.seconds.toFixed(1)} s for the check). ${c.build.note}`
      : `${c.build.seconds.toFixed(1)} s measured in this run. ${c.build.note}`
  const rss = c.sidecar_rss_kib
    ? `p50 ${(c.sidecar_rss_kib.p50 / 1024).toFixed(1)} MiB, max ${(c.sidecar_rss_kib.max / 1024).toFixed(1)} MiB (${c.sidecar_rss_kib.samples} samples of VmRSS every 100 ms during the supervisor cells)`
    : "not sampled (no sidecar ran)"
  return [
    `| what | measured |`,
    `|---|---|`,
    `| Rust (crates/supervisor/src, non-blank non-comment lines) | ${c.rust_loc} in ${c.loc_files.rust.length} files |`,
    `| TypeScript (packages/process/src/supervisor + protocol) | ${c.ts_loc} in ${c.loc_files.typescript.length} files |`,
    `| Dependencies | ${c.dependencies.cargo ?? "unknown"} crates; ${c.dependencies.npm ?? "unknown"} npm packages for the supervisor client (${c.dependencies.npm_package_total ?? "unknown"} for all of @pawwork/process) — ${c.dependencies.note} |`,
    `| Release binary size | ${c.binary_bytes === null ? "not built" : `${formatBytes(c.binary_bytes)} (${c.binary_bytes} bytes)`} |`,
    `| Release build time | ${build} |`,
    `| Sidecar memory | ${rss} |`,
  ].join("\n")
}

/**
 * Fewer runs per cell than the committed reports' say less: a cell that passes 2 of 2 may fail 1 in 20. Said
 * with its trailing newline, and nothing for a run of the committed size or more.
 */
export function shortRunLine(r: Results): string {
  if (r.runs_per_cell >= PUBLISH_RUNS) return ""
  return `**A short run: ${r.runs_per_cell} run${r.runs_per_cell === 1 ? "" : "s"} per cell**, a first look that answers in minutes; a rare failure shows only ` +
    `over more runs: the committed reports use ${PUBLISH_RUNS} (\`npm run matrix -- --runs ${PUBLISH_RUNS}\`, or \`--publish\`).\n`
}

/** Concurrent work on the machine inflates every timing: say how busy it was. */
export function loadLine(r: Results): string {
  if (!r.load) return ""
  // Node's os.loadavg() is always zeros on Windows (and so under Wine): no figure rather than a false one.
  if (r.platform.os === "win32") return "Load average: not available on Windows."
  const busy = r.load.max > r.platform.cpus
  return `Load average (1 min) during the run: ${r.load.start} at the start, ${r.load.end} at the end, ${r.load.max} at most, on ${r.platform.cpus} CPUs` +
    (busy ? " — the machine was busy with other work, so times (quiescence, durations) are inflated; pass/fail is what counts." : ".")
}

/**
 * Who ran the matrix and how the supervisor's trees were contained, with its trailing newline; empty for
 * older files that recorded neither (so they render as they did).
 */
export function runAsLine(r: Results): string {
  if (!r.run_as) return ""
  const { user, uid } = r.run_as
  const seen = r.cells.filter((c) => c.runs > 0 && c.containment != null)
  const count = (mode: string) => seen.filter((c) => c.containment === mode).length
  const modes = [
    count("cgroup") ? `a cgroup v2 per tree in ${count("cgroup")}` : "",
    count("fallback") ? `the fallback (process groups, subreaper, environment marker) in ${count("fallback")}` : "",
    count("unknown") ? `unknown (the probe failed; see the cell's notes) in ${count("unknown")}` : "",
  ].filter(Boolean)
  const containment = seen.length
    ? `the supervisor's containment, seen at the start of each of its cells by a child reading its own \`/proc/self/cgroup\`: ${modes.join(", ")} of ${seen.length} cells`
    : "the supervisor's containment was not observed here (no cgroups off Linux)"
  return `- Ran as \`${user}\`${uid === null ? "" : ` (uid ${uid}${uid === 0 ? ", root: PawWork runs as an ordinary user, which \`npm test\` checks in scripts/as-user.sh" : ""})`}; ${containment}.\n`
}

/** Which register the run used, and how many of its entries covered a cell here. */
export function flakesLine(r: Results): string {
  const f = r.flakes
  if (!f || f.source === null) return "- Known flakes: no register file, so no run was retried."
  const used = new Set(r.cells.flatMap((c) => (c.flake ? [c.flake.id] : [])))
  const flaky = r.cells.reduce((n, c) => n + (c.flaky ?? 0), 0)
  return `- Known flakes: ${f.source}, ${f.entries.length} entries, ${used.size} covering a cell of this run. A failed run of a ` +
    `covered cell is retried as the entry says; one that then passes counts as flaky (${flaky} in this run), never as passed. ` +
    "Other cells are never retried."
}

/** What the report says beside a backend's column about how it was measured (engines.ts engineNotes). */
export function backendNotesText(r: Results): string {
  const notes = Object.entries(engineNotes(r))
  if (notes.length === 0) return ""
  return `\n${notes.map(([b, note]) => `Beside the \`${b}\` column: ${note}`).join("\n\n")}\n`
}

/**
 * How the cells of runtimes other than the matrix's own ran: in a process of that runtime, one runtime after
 * the other. Results with Node and Bun alone keep their sentence.
 */
function workerMethod(r: Results): string {
  const others = runtimesOf(r).filter((rt) => rt !== "node")
  if (others.length === 0 || (others.length === 1 && others[0] === "bun")) {
    return "Bun cells run in a Bun process of their own (the pinned `node_modules/.bin/bun`) with the same\n" +
      "  runner, scenarios and leak check, after the Node cells, never beside them."
  }
  return `The cells of ${runtimeList(r, others)} run in a process of that runtime (the pinned Nodes of\n` +
    "  `scripts/node-runtimes.mjs`, the pinned `node_modules/.bin/bun`) with the same runner, scenarios and leak check,\n" +
    "  one runtime after the other, never beside each other."
}

/** "execa and tree-kill", with Effect's spawner when it was measured (older results: the first two only). */
function peersTitle(r: Results): string {
  const names = PEERS.filter((b) => r.backends.includes(b)).map((b) => (b === "effect" ? "Effect's spawner" : b))
  return names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`
}

/**
 * The execa the results measured, from the packages they recorded: execa 10 with `killDescendants`, or, in
 * results written before the packages were recorded (or any execa 9), the 9.6.1 those runs had.
 */
function execaMethod(r: Results): string {
  const execa = r.backend_packages?.execa?.find((p) => p.name === "execa")
  if (!execa?.version || execa.version.startsWith("9.")) {
    return `execa ${execa?.version ?? "9.6.1"} as its docs recommend for ending a tree; every signal reaches the root pid alone`
  }
  return `execa ${execa.version} with \`killDescendants\`, as its docs recommend for ending a tree; every signal\n  goes to the root's process group`
}

/** The Method section's description of the two Effect backends, when they were measured. */
function effectMethod(r: Results): string {
  const lines: string[] = []
  if (r.backends.includes("supervisor-effect")) {
    lines.push("- `supervisor-effect`: the same sidecar through `@pawwork/process/effect`'s `SupervisorSpawner` layer, Effect's\n" +
      "  ChildProcessSpawner service, which PawWork's bash tool, MCP servers and git calls use.")
  }
  if (r.backends.includes("effect")) {
    lines.push("- `effect` (comparison): Effect's own `NodeChildProcessSpawner` (@effect/platform-node) with its defaults: the\n" +
      "  child leads its own process group, and a kill signals the group, polls it, then SIGKILLs it after `forceKillAfter`.")
  }
  if (lines.length === 0) return ""
  return lines.join("\n") + "\n- Both Effect backends are driven through the Process API's shape (packages/peers/src/effect/backends.ts):\n" +
    "  one scope per command, output read to its end; `exited` settles when both `exitCode` and the output have ended;\n" +
    "  an abort is `handle.kill({ killSignal, forceKillAfter })` with the scenario's signal and grace, stop() is\n" +
    "  `handle.kill` with the 500 ms stop grace, `child.kill(sig)` is `handle.kill({ killSignal: sig })`, and\n" +
    "  `terminateTree` is PawWork's `Process.terminateTree` (the baseline's for `effect`, the supervisor's for\n" +
    "  `supervisor-effect`).\n"
}

export function renderMarkdown(r: Results): string {
  const { recommendation } = analyze(r)
  const s = r.settings
  return `# Scenario matrix: PawWork baseline vs pawwork-supervisor (${peersTitle(r)} for comparison)

Measured on **${r.platform.label}**${r.platform.under_wine ? "" : ` (kernel ${r.platform.kernel})`},
started ${r.started_at}, ${r.runs_per_cell} runs per cell, ${Math.round(r.duration_ms / 1000)} s in all.
${shortRunLine(r)}${loadLine(r)}

## Verdict

${recommendation.lines.map((l) => `- ${l}`).join("\n")}

## Results

Pass rate per cell (runs passed / runs), then pids leaked and bytes lost over all runs, and runs that passed only
on a retry of a registered known flake ("flaky", with the register id; they are not counted as passed).
The negative control passes when the leak check flags its planted leak, so its leaks are expected.
${multiRuntime(r) ? `\n${runtimesNote(r)}\n` : ""}
${resultsTable(r)}
${backendNotesText(r)}
## Time to quiescence (ms, p50 / p95 / max)

From the cancel (or stop) until every process of the tree is gone. "never" means some process was still alive at
the leak bound in every run (it leaked).

${quiescenceTable(r)}

## Per scenario

${perScenario(r)}

## Cost

${costSection(r)}

## Method

- Backends: \`baseline\` (PawWork's plain spawn path), \`baseline-detached\` (its bash-tool path, \`detached: true\`),
  \`supervisor\` (the pawwork-supervisor sidecar through @pawwork/process). For comparison only, neither baseline nor
  candidate: \`execa\` (${execaMethod(r)})
  and \`tree-kill\` (cross-spawn plus tree-kill 1.2.2: a \`ps --ppid\` walk at each step, SIGTERM then SIGKILL after
  the grace). Their settings: packages/process/README.md.
${effectMethod(r)}- Runtimes: ${(r.runtimes ?? []).map((x) => `${versionName(r, x)} for ${x.backends.join(", ")}`).join("; ")}
  (\`--runtime\`). ${workerMethod(r)}
${runAsLine(r)}${flakesLine(r)}
- Grace period of every cancel: ${s.grace_ms} ms (short on purpose, so the matrix runs in minutes; PawWork's
  default is 5000 ms and the baseline's stop() always uses 500 ms).
- The leak bound: a process of the tree still alive ${s.slack_ms} ms (the slack) past the grace counts as leaked,
  unless the backend's own cancel call has not returned yet (\`exited\` not resolved, stop() pending): then it gets
  until ${s.slack_ms} ms after that call returns, at most ${LEAK_CAP_MS} ms more. A baseline still walking
  \`pgrep\` on a loaded machine is thus measured as slow (quiescence), not as leaking. \`stopped-member\` and
  \`sigterm-ignored\` also require the tree gone within grace + slack of the cancel.
- Every leaked pid is killed by the harness once counted, by pid, after its start time (\`/proc/<pid>/stat\`
  field 22) is checked against the one it reported, so runs stay independent.
- Every process of a fixture tree reports its pid and start time to the run's own report file; the leak check
  also scans \`/proc/*/environ\` for the run's report path, to find members that had no time to report.
- Timeout + drain race: ${s.timeout_race}
- Hold-pipe: the supervisor gets \`drainTimeout: ${s.drain_timeout_ms}\`; run() must return within that + slack.
- Each run has a hard timeout of ${s.hard_timeout_ms} ms; a run that exceeds it is recorded as the failure "hang".
`
}

/**
 * The whole REPORT.md: the matrix's sections, then those measured elsewhere (appendix.ts). It reads
 * nothing but `r` (no clock, no file beside the report), so a results.json renders to the same bytes
 * every time: the committed docs/results/report-*.md are checked against their docs/results/results-*.json that way.
 */
export async function renderReport(r: Results): Promise<string> {
  return `${renderMarkdown(r)}\n${await speedAndLoadSection(r)}`
}

export async function writeMarkdown(dir: string, r: Results): Promise<string> {
  const path = join(dir, "REPORT.md")
  writeFileSync(path, await renderReport(r))
  return path
}
