import { compareRuntimes, runtimeKind } from "@pawwork/harness"
import { runtimeLabel } from "../runtime.js"
import { allPassed, passText } from "../stats.js"
import { PEERS, type BackendName, type Cell, type Results, type RuntimeName } from "../types.js"

/*
 * A column of the report is a backend under one runtime. With one runtime (`--runtime node`, or a file
 * written before runtimes existed) the columns are the backends, named as before; with several, each backend
 * PawWork ships gets a column per runtime side by side ("supervisor (Node 22)", "supervisor (Node 24)",
 * "supervisor (Bun)"), and each comparison backend, measured under one Node, one column.
 */

export interface Column {
  backend: BackendName
  runtime: RuntimeName
  label: string
}

/** The version of the Node that ran the matrix itself ("node"), from the results. */
const runningNode = (r: Results): string | undefined => (r.runtimes ?? []).find((x) => x.name === "node")?.version

/** The runtimes that have cells, in table order: Nodes by major, then Bun. */
export function runtimesOf(r: Results): RuntimeName[] {
  const present = [...new Set(r.cells.map((c) => c.runtime ?? "node"))].sort((a, b) => compareRuntimes(a, b, runningNode(r)))
  return present.length ? present : ["node"]
}

export const multiRuntime = (r: Results): boolean => runtimesOf(r).length > 1

/**
 * How the report names a runtime: "Node", "Node 24", "Bun"; the running Node by its major ("Node 20") when
 * pinned Nodes are beside it, by its whole version when one of them has its major, so no two Node columns
 * share a name.
 */
export function runtimeName(r: Results, rt: RuntimeName): string {
  if (rt !== "node" || !runtimesOf(r).some((x) => x !== "node" && runtimeKind(x) === "node")) return runtimeLabel(rt)
  const version = runningNode(r)
  const major = version?.split(".")[0]
  if (!major) return "Node"
  return runtimesOf(r).includes(`node${major}` as RuntimeName) ? `Node ${version}` : `Node ${major}`
}

/** "Node and Bun", "Node 22, Node 24 and Bun". */
export function runtimeList(r: Results, rts: readonly RuntimeName[], and = "and"): string {
  const names = rts.map((rt) => runtimeName(r, rt))
  return names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} ${and} ${names.at(-1)}`
}

/** "supervisor (Bun)" when the results hold more than one runtime, else "supervisor". */
export function columnLabel(r: Results, backend: BackendName, runtime: RuntimeName): string {
  return multiRuntime(r) ? `${backend} (${runtimeName(r, runtime)})` : backend
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

/** The runtimes a backend has cells under, in table order. */
export const runtimesFor = (r: Results, backend: BackendName): RuntimeName[] =>
  runtimesOf(r).filter((rt) => r.cells.some((c) => c.backend === backend && (c.runtime ?? "node") === rt))

/** A scenario x backend whose result is not the same under every runtime that ran it. */
export interface RuntimeDiff {
  scenario: string
  backend: BackendName
  /** The cells that ran, one per runtime, in table order. */
  cells: Cell[]
  /** Every run passed under some of the runtimes only. */
  flips: boolean
}

/** Scenario x backend pairs measured under some of their runtimes and not run under the others (with why). */
export interface RuntimeGap {
  scenario: string
  backend: BackendName
  ran: RuntimeName[]
  missing: Cell[]
}

/**
 * Where the runtime changes the result: every scenario x backend with a column per runtime whose pass rate
 * differs between the runtimes that ran it (or whose every-run pass flips). A pair that some of its runtimes
 * did not run is a gap, never counted as "unchanged"; the runtimes that did are still compared when two did.
 */
export function runtimeComparison(r: Results): { compared: number; diffs: RuntimeDiff[]; gaps: RuntimeGap[]; runtimes: RuntimeName[] } {
  const diffs: RuntimeDiff[] = []
  const gaps: RuntimeGap[] = []
  const compareds = new Set<RuntimeName>()
  let compared = 0
  if (!multiRuntime(r)) return { compared, diffs, gaps, runtimes: [] }
  for (const f of r.scenarios) {
    for (const backend of r.backends) {
      const rts = runtimesFor(r, backend)
      if (rts.length < 2) continue
      const cells = rts.map((rt) => cellAt(r, f.name, backend, rt)).filter((c): c is Cell => c !== undefined)
      const ran = cells.filter((c) => c.runs > 0)
      if (ran.length === 0) continue
      if (ran.length < cells.length) gaps.push({ scenario: f.name, backend, ran: ran.map((c) => c.runtime), missing: cells.filter((c) => c.runs === 0) })
      if (ran.length < 2) continue
      compared++
      for (const c of ran) compareds.add(c.runtime)
      const flips = new Set(ran.map((c) => allPassed(c))).size > 1
      // Pass counts out of different run counts are compared as rates: 2/2 and 4/4 are the same result.
      const first = ran[0]!
      if (flips || ran.some((c) => c.passed * first.runs !== first.passed * c.runs)) diffs.push({ scenario: f.name, backend, cells: ran, flips })
    }
  }
  return { compared, diffs, gaps, runtimes: runtimesOf(r).filter((rt) => compareds.has(rt)) }
}

/** "supervisor × timeout-drain-race: Node 20/20, Bun 17/20 (passes every run under Node only)". */
export function runtimeDiffText(r: Results, d: RuntimeDiff): string {
  const passing = d.cells.filter((c) => allPassed(c)).map((c) => c.runtime)
  const only = d.flips ? ` (passes every run under ${runtimeList(r, passing)} only)` : ""
  return `${d.backend} × ${d.scenario}: ${d.cells.map((c) => `${runtimeName(r, c.runtime)} ${passText(c)}`).join(", ")}${only}`
}

/**
 * The comparison backends that ran, grouped by the one runtime each ran under, or null when they are not on
 * one runtime each (or there are none): "execa, tree-kill, effect" under node24.
 */
export function peerRuntimes(r: Results): { runtime: RuntimeName; backends: BackendName[] }[] | null {
  const peers = PEERS.filter((b) => r.backends.includes(b) && r.cells.some((c) => c.backend === b && c.runs > 0))
  if (peers.length === 0 || peers.some((b) => runtimesFor(r, b).length !== 1)) return null
  const groups: { runtime: RuntimeName; backends: BackendName[] }[] = []
  for (const b of peers) {
    const rt = runtimesFor(r, b)[0]!
    const g = groups.find((x) => x.runtime === rt)
    if (g) g.backends.push(b)
    else groups.push({ runtime: rt, backends: [b] })
  }
  return groups
}

/**
 * How a runtime's columns look beside each other in the page: Bun's bars lighter and its headers dashed,
 * the first Node solid, each later Node a little lighter and dotted, so a backend's columns read as a group.
 */
export function runtimeStyle(r: Results, rt: RuntimeName): { opacity: number; border: "solid" | "dotted" | "dashed" } {
  if (rt === "bun") return { opacity: 0.5, border: "dashed" }
  const i = runtimesOf(r).filter((x) => x !== "bun").indexOf(rt)
  return i <= 0 ? { opacity: 1, border: "solid" } : { opacity: Math.max(0.6, 1 - 0.2 * i), border: "dotted" }
}
