import { readFileSync } from "node:fs"
import { join } from "node:path"
import { runtimeKind } from "@pawwork/harness"
import type { BackendName, PackageEngines, Results, RuntimeInfo } from "./types.js"

/**
 * The packages each comparison backend is made of, whose `engines.node` decides the Node it runs on: a peer
 * runs on a Node its maker declares, and when none of the Nodes of a run does, the report says so beside its
 * column rather than leave it to an install warning nobody reads.
 */
const PACKAGES: Partial<Record<BackendName, readonly string[]>> = {
  effect: ["@effect/platform-node", "@effect/platform-node-shared"],
  execa: ["execa"],
}

/** What the packages of `backends` declare, read from node_modules, for Results.backend_packages. */
export function declaredEngines(root: string, backends: readonly BackendName[]): Partial<Record<BackendName, PackageEngines[]>> {
  const out: Partial<Record<BackendName, PackageEngines[]>> = {}
  for (const backend of backends) {
    const names = PACKAGES[backend]
    if (!names) continue
    out[backend] = names.map((name) => {
      const pkg = readPackage(root, name)
      return { name, version: pkg?.version ?? null, node: pkg ? (pkg.engines?.node ?? null) : null }
    })
  }
  return out
}

/**
 * The Node a peer runs on, of the Nodes of this run (name and version): the newest whose version every one
 * of its packages' `engines.node` admits, else the newest (the report then says what was not met).
 */
export function peerNode<T extends { version: string }>(packages: readonly PackageEngines[] | undefined, nodes: readonly T[]): T | undefined {
  const newestFirst = [...nodes].sort((a, b) => compare(parse(b.version) ?? [0, 0, 0], parse(a.version) ?? [0, 0, 0]))
  return newestFirst.find((n) => (packages ?? []).every((p) => p.node === null || satisfies(n.version, p.node) === true)) ?? newestFirst[0]
}

/**
 * One line per backend that ran under a Node its packages do not declare (or whose declaration could not be
 * read or checked), keyed by backend, from the results themselves: the packages' declarations and the
 * versions of the runtimes each backend ran under. Files written before the declarations were recorded
 * carry their notes as text (`backend_notes`), shown as they are.
 */
export function engineNotes(r: Results): Partial<Record<BackendName, string>> {
  if (!r.backend_packages) return r.backend_notes ?? {}
  const notes: Partial<Record<BackendName, string>> = {}
  for (const [backend, packages] of Object.entries(r.backend_packages) as [BackendName, PackageEngines[]][]) {
    const nodes = (r.runtimes ?? []).filter((rt) => runtimeKind(rt.name) === "node" && rt.backends.includes(backend))
    const problems = new Set<string>()
    const unmet: RuntimeInfo[] = []
    for (const node of nodes) {
      for (const pkg of packages) {
        if (pkg.version === null) problems.add(`${pkg.name} could not be read, so its \`engines\` was not checked`)
        else if (pkg.node !== null && satisfies(node.version, pkg.node) !== true) {
          problems.add(satisfies(node.version, pkg.node) === false
            ? `${pkg.name} ${pkg.version} declares Node ${pkg.node} in \`engines\``
            : `${pkg.name} ${pkg.version} declares Node ${pkg.node} in \`engines\`, a range this check cannot read`)
          if (!unmet.includes(node)) unmet.push(node)
        }
      }
    }
    if (problems.size === 0) continue
    const ran = (unmet.length ? unmet : nodes).map((n) => n.version).join(" and ")
    notes[backend] = `${[...problems].join("; ")}; these cells ran on Node ${ran}.`
  }
  return notes
}

interface PackageJson {
  version: string
  engines?: { node?: string }
}

function readPackage(root: string, name: string): PackageJson | null {
  try {
    return JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")) as PackageJson
  } catch {
    return null
  }
}

/**
 * Whether `version` is in `range`, for the forms npm packages use in `engines` here: `>=X.Y.Z`, `^X.Y.Z`,
 * joined by `||`. Null for anything else (the note then says the range was not understood).
 */
export function satisfies(version: string, range: string): boolean | null {
  const v = parse(version)
  if (!v) return null
  let any = false
  for (const part of range.split("||").map((s) => s.trim())) {
    const m = /^(>=|\^)\s*v?(\d+(?:\.\d+){0,2})$/.exec(part)
    const bound = m ? parse(m[2]!) : null
    if (!m || !bound) return null
    const atLeast = compare(v, bound) >= 0
    if (m[1] === ">=" ? atLeast : atLeast && v[0] === bound[0]) any = true
  }
  return any
}

function parse(text: string): [number, number, number] | null {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(text.trim())
  return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] : null
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return 0
}
