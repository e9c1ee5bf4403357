import { existsSync, readFileSync } from "node:fs"
import path from "node:path"
import { fileURLToPath } from "node:url"

/**
 * Where this module file is. The only `import.meta` of the package: the CommonJS build
 * (scripts/build.mjs) replaces it with the file's own `__filename`, so both builds see their own location.
 */
export const selfFile: string = fileURLToPath(import.meta.url)

export interface OwnPackage {
  /** The directory of @pawwork/process's package.json. */
  dir: string
  version: string
  /** Its optionalDependencies: the platform packages, each at this version. */
  optionalDependencies: Record<string, string>
}

let own: OwnPackage | undefined

/** @pawwork/process's own package.json, the nearest one above this file that bears its name (ESM, CJS, tests). */
export function ownPackage(): OwnPackage {
  if (own) return own
  for (let dir = path.dirname(selfFile); ; dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json")
    if (existsSync(file)) {
      const json = JSON.parse(readFileSync(file, "utf8")) as Partial<OwnPackage> & { name?: string }
      if (json.name === "@pawwork/process") {
        own = { dir, version: String(json.version), optionalDependencies: json.optionalDependencies ?? {} }
        return own
      }
    }
    if (path.dirname(dir) === dir) throw new Error(`@pawwork/process: no package.json of its own above ${selfFile}`)
  }
}
