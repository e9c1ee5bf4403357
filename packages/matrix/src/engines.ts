import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { BackendName, RuntimeInfo } from "./types.js"

/**
 * The packages each comparison backend is made of, whose `engines.node` the run is checked against: a backend
 * measured on a Node its package does not declare is measured outside its maker's promise, and the report must
 * say so beside its column rather than leave it to an install warning nobody reads.
 */
const PACKAGES: Partial<Record<BackendName, readonly string[]>> = {
  effect: ["@effect/platform-node", "@effect/platform-node-shared"],
  execa: ["execa"],
}

/**
 * One line per backend that ran under a Node its packages do not declare (or whose declaration could not be
 * checked), keyed by backend; empty when every declaration holds.
 */
export function engineNotes(root: string, backends: readonly BackendName[], runtimes: readonly RuntimeInfo[]): Partial<Record<BackendName, string>> {
  const node = runtimes.find((r) => r.name === "node")
  const notes: Partial<Record<BackendName, string>> = {}
  if (!node) return notes
  for (const backend of backends) {
    if (!node.backends.includes(backend)) continue
    const problems: string[] = []
    for (const name of PACKAGES[backend] ?? []) {
      const pkg = readPackage(root, name)
      if (!pkg) {
        problems.push(`${name} could not be read, so its \`engines\` was not checked`)
        continue
      }
      const range = pkg.engines?.node
      if (range === undefined) continue
      const holds = satisfies(node.version, range)
      if (holds === true) continue
      problems.push(
        holds === false
          ? `${name} ${pkg.version} declares Node ${range} in \`engines\``
          : `${name} ${pkg.version} declares Node ${range} in \`engines\`, a range this check cannot read`,
      )
    }
    if (problems.length) notes[backend] = `${problems.join("; ")}; these cells ran on Node ${node.version}.`
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
