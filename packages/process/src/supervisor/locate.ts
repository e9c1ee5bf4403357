import { existsSync, readFileSync } from "node:fs"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { SupervisorNotFoundError } from "../errors.js"

const EXE = process.platform === "win32" ? "pawwork-supervisor.exe" : "pawwork-supervisor"

/** The cargo workspace this package lives in: the nearest ancestor whose Cargo.toml has [workspace]. */
function workspaceRoot(from: string): string | null {
  let dir = from
  for (;;) {
    const manifest = path.join(dir, "Cargo.toml")
    if (existsSync(manifest) && /^\s*\[workspace\]/m.test(readFileSync(manifest, "utf8"))) return dir
    const parent = path.dirname(dir)
    if (parent === dir) return null
    dir = parent
  }
}

/**
 * Where the sidecar binary is, in this order (like esbuild's launcher: explicit override first, then the
 * build output, then an error that says how to get one): the `supervisorPath` option, the environment
 * variable PAWWORK_SUPERVISOR_PATH, `<workspace>/target/release`, `<workspace>/target/debug`.
 */
export function locateSupervisor(explicit?: string): string {
  const searched: string[] = []
  const given = explicit ?? process.env.PAWWORK_SUPERVISOR_PATH
  if (given) {
    // An explicit choice that does not exist is an error, not a reason to silently use another build.
    if (existsSync(given)) return given
    throw new SupervisorNotFoundError([given])
  }
  const root = workspaceRoot(path.dirname(fileURLToPath(import.meta.url)))
  if (root) {
    for (const profile of ["release", "debug"]) {
      const candidate = path.join(root, "target", profile, EXE)
      searched.push(candidate)
      if (existsSync(candidate)) return candidate
    }
  }
  throw new SupervisorNotFoundError(searched)
}
