import { runtimeLabel } from "../runtime.js"
import { allPassed, passText } from "../stats.js"
import { BUN_BACKENDS, RUNTIMES, type BackendName, type Cell, type Results, type RuntimeName } from "../types.js"

/*
 * A column of the report is a backend under one runtime. With one runtime (`--runtime node`, or a file
 * written before runtimes existed) the columns are the backends, named as before; with both, each backend
 * PawWork ships gets a Node and a Bun column side by side ("supervisor (Node)", "supervisor (Bun)"), and the
 * comparison backends, measured under Node only, one column each.
 */

export interface Column {
  backend: BackendName
  runtime: RuntimeName
  label: string
}

/** The runtimes that have cells, in table order. */
export function runtimesOf(r: Results): RuntimeName[] {
  const present = new Set(r.cells.map((c) => c.runtime ?? "node"))
  const order = RUNTIMES.filter((rt) => present.has(rt))
  return order.length ? order : ["node"]
}

export const multiRuntime = (r: Results): boolean => runtimesOf(r).length > 1

/** "supervisor (Bun)" when the results hold more than one runtime, else "supervisor". */
export function columnLabel(r: Results, backend: BackendName, runtime: RuntimeName): string {
  return multiRuntime(r) ? `${backend} (${runtimeLabel(runtime)})` : backend
}

export const cellLabel = (r: Results, c: Cell): string => columnLabel(r, c.backend, c.runtime ?? "node")

export function columns(r: Results): Column[] {
  const rts = runtimesOf(r)
  return r.backends.flatMap((backend) => {
    const have = rts.filter((rt) => r.cells.some((c) => c.backend === backend && (c.runtime ?? "node") === rt))
    return (have.length ? have : [rts[0]!]).map((runtime) => ({ backend, runtime, label: columnLabel(r, backend, runtime) }))
  })
}

export function cellAt(r: Results, scenario: string, backend: BackendName, runtime: RuntimeName): Cell | undefined {
  return r.cells.find((c) => c.scenario === scenario && c.backend === backend && (c.runtime ?? "node") === runtime)
}

/** A scenario x backend whose result under one runtime is not its result under the other. */
export interface RuntimeDiff {
  scenario: string
  backend: BackendName
  node: Cell
  bun: Cell
  /** Every run passed under one runtime only. */
  flips: boolean
}

/** Scenario x backend pairs measured under one runtime and not run under the other (with why). */
export interface RuntimeGap {
  scenario: string
  backend: BackendName
  ran: RuntimeName
  missing: Cell
}

/**
 * Where the runtime changes the result: every scenario x backend that ran under both Node and Bun whose
 * pass count differs (or whose every-run pass flips). Pairs that ran under one runtime only are gaps,
 * never counted as "unchanged".
 */
export function runtimeComparison(r: Results): { compared: number; diffs: RuntimeDiff[]; gaps: RuntimeGap[] } {
  const diffs: RuntimeDiff[] = []
  const gaps: RuntimeGap[] = []
  let compared = 0
  if (!multiRuntime(r)) return { compared, diffs, gaps }
  for (const f of r.scenarios) {
    for (const backend of r.backends.filter((b) => BUN_BACKENDS.includes(b))) {
      const node = cellAt(r, f.name, backend, "node")
      const bun = cellAt(r, f.name, backend, "bun")
      if (!node || !bun) continue
      const nodeRan = node.runs > 0
      const bunRan = bun.runs > 0
      if (!nodeRan && !bunRan) continue
      if (!nodeRan || !bunRan) {
        gaps.push({ scenario: f.name, backend, ran: nodeRan ? "node" : "bun", missing: nodeRan ? bun : node })
        continue
      }
      compared++
      const flips = allPassed(node) !== allPassed(bun)
      // Pass counts out of different run counts are compared as rates: 2/2 and 4/4 are the same result.
      if (flips || node.passed * bun.runs !== bun.passed * node.runs) diffs.push({ scenario: f.name, backend, node, bun, flips })
    }
  }
  return { compared, diffs, gaps }
}

/** "supervisor x timeout-drain-race: Node 20/20, Bun 17/20 (passes every run under Node only)". */
export function runtimeDiffText(d: RuntimeDiff): string {
  const only = d.flips ? ` (passes every run under ${allPassed(d.node) ? "Node" : "Bun"} only)` : ""
  return `${d.backend} × ${d.scenario}: Node ${passText(d.node)}, Bun ${passText(d.bun)}${only}`
}
