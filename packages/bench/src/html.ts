import { lineChart, type Series } from "./charts.js"
import { allTables, machineLine, BACKEND_LABEL, type Table } from "./tables.js"
import { runtimeLabel } from "./runtime.js"
import type { BenchResults, Backend, ClientRun } from "./types.js"

const COLOR: Record<Backend, string> = {
  bare: "#7f7f7f",
  baseline: "#1f77b4",
  supervisor: "#d62728",
  "supervisor-nocgroup": "#ff7f0e",
  "supervisor-fork": "#8c564b",
  "supervisor-copy": "#9467bd",
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")
/** The little Markdown the tables use: `code` and **bold**. */
const inline = (s: string) => esc(s).replace(/`([^`]+)`/g, "<code>$1</code>").replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")

function htmlTable(t: Table): string {
  const head = `<tr>${t.head.map((h) => `<th>${inline(h)}</th>`).join("")}</tr>`
  const rows = t.rows.map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join("")}</tr>`).join("\n")
  return `<h2>${inline(t.title)}</h2>\n<p>${inline(t.caption)}</p>\n<table>\n${head}\n${rows}\n</table>`
}

function backendsOf(r: ClientRun): Backend[] {
  return [...new Set(r.scale.flatMap((l) => Object.keys(l.backends) as Backend[]))]
}

/** One runtime's scale curve as charts: round trip (p50 and p99) and CPU per child against concurrent children. */
export function scaleCharts(r: ClientRun): string {
  const backends = backendsOf(r)
  const series = (pick: (v: Backend, l: ClientRun["scale"][number]) => number | null | undefined, suffix: string, dashed = false) =>
    backends.map<Series>((v) => ({
      name: `${BACKEND_LABEL[v]}${suffix}`,
      color: COLOR[v],
      dashed,
      points: r.scale.map((l) => ({ x: l.concurrent, y: pick(v, l) ?? Number.NaN })),
    }))
  const rt = lineChart({
    title: `Spawn round trip vs concurrent children (${runtimeLabel(r.runtime)})`,
    xLabel: "children started at once (log)",
    yLabel: "ms (log)",
    logY: true,
    series: [...series((v, l) => l.backends[v]?.rt.p50, " p50"), ...series((v, l) => l.backends[v]?.rt.p99, " p99", true)],
  })
  const cpu = lineChart({
    title: `CPU per child vs concurrent children (${runtimeLabel(r.runtime)})`,
    xLabel: "children started at once (log)",
    yLabel: "CPU ms per child",
    series: [
      ...series((v, l) => l.backends[v]?.clientCpuMsPerChild, ` (${runtimeLabel(r.runtime)})`),
      ...series((v, l) => l.backends[v]?.sidecarCpuMsPerChild, " (sidecar)", true).filter((s) => s.points.some((p) => Number.isFinite(p.y))),
    ],
  })
  return `<div class="charts">${rt}\n${cpu}</div>`
}

export function renderBenchHtml(r: BenchResults): string {
  const body = allTables(r)
    .map((t) => {
      let html = htmlTable(t)
      if (t.title === "Targets") html += `\n<ul>${r.targets.map((x) => `<li><strong>${esc(x.label)}</strong> (${x.met ? "met" : `missed: ${inline(x.missedBy)}`}): ${inline(x.why)}.</li>`).join("")}</ul>`
      if (t.title.startsWith("Scale curve") && t.runtime) html += `\n${scaleCharts(t.runtime)}`
      return html
    })
    .join("\n")
  const all = [...r.notRun.map((n) => `${n.runtime} was not measured: ${n.reason}`), ...r.notes, ...r.runtimes.flatMap((c) => c.notes.map((n) => `(${c.runtime}) ${n}`))]
  const notes = all.length ? `<h2>Notes on this run</h2><ul>${all.map((n) => `<li>${inline(n)}</li>`).join("")}</ul>` : ""
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>pawwork-supervisor benchmark</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;font-size:14px}
th{background:#f4f4f4}code{background:#f4f4f4;padding:0 3px}.charts{display:flex;flex-wrap:wrap;gap:1em}
</style></head><body>
<h1>What the supervisor costs</h1>
<p>Measured in one run on one machine, as ratios. Mode <code>${esc(r.mode)}</code>, ${esc(r.generatedAt)}, ${r.durationSeconds} s.</p>
<p><strong>Machine:</strong> ${inline(machineLine(r))}.</p>
${body}
${notes}
</body></html>
`
}
