import { allTables, machineLine, type Table } from "./tables.js"
import type { BenchResults } from "./types.js"

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ")

export function markdownTable(t: Table): string {
  const lines = [`| ${t.head.map(cell).join(" | ")} |`, `|${t.head.map(() => "---").join("|")}|`]
  for (const row of t.rows) lines.push(`| ${row.map(cell).join(" | ")} |`)
  return lines.join("\n")
}

/**
 * The benchmark as one Markdown section, headed at `level` (2 = "##"), for BENCH.md and for any report that
 * wants to embed it (the matrix report may).
 */
export function renderBenchSection(r: BenchResults, level = 2): string {
  const h = "#".repeat(level)
  const out: string[] = [
    `${h} What the supervisor costs`,
    "",
    `Measured in one run on one machine, as ratios (absolute times on a shared machine are noise). ` +
      `Mode \`${r.mode}\`, ${r.generatedAt}, ${r.durationSeconds} s.`,
    "",
    `**Machine:** ${machineLine(r)}.`,
  ]
  for (const t of allTables(r)) {
    out.push("", `${h}# ${t.title}`, "", t.caption, "", markdownTable(t))
    if (t.title === "Targets") {
      out.push("")
      for (const target of r.targets) out.push(`- **${target.label}** (${target.met ? "met" : `missed: ${target.missedBy}`}): ${target.why}.`)
    }
  }
  const notes = [
    ...r.notRun.map((n) => `${n.runtime} was not measured: ${n.reason}`),
    ...r.notes,
    ...r.runtimes.flatMap((c) => c.notes.map((n) => `(${c.runtime}) ${n}`)),
  ]
  if (notes.length) {
    out.push("", `${h}# Notes on this run`, "")
    for (const n of notes) out.push(`- ${n}`)
  }
  return out.join("\n") + "\n"
}

export function renderBenchMarkdown(r: BenchResults): string {
  return (
    "# Benchmark: pawwork-supervisor vs the baseline\n\n" +
    "Written by `npm run bench` (packages/bench); raw numbers in `bench.json`, charts in `bench.html`.\n\n" +
    renderBenchSection(r, 2)
  )
}
