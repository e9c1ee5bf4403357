import { existsSync, readFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

/** The repository root: the nearest folder above this module whose Cargo.toml declares a workspace. */
export function repoRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(from)
  for (;;) {
    const manifest = join(dir, "Cargo.toml")
    if (existsSync(manifest) && existsSync(join(dir, "package.json")) && readFileSync(manifest, "utf8").includes("[workspace]")) {
      return dir
    }
    const up = dirname(dir)
    if (up === dir) throw new Error(`no repository root above ${from}`)
    dir = up
  }
}

export interface Binaries {
  fixture: string
  supervisor: string
}

/** Release builds (what users ship); PAWWORK_FIXTURE_BIN / PAWWORK_SUPERVISOR_PATH override them. */
export function binaries(root = repoRoot()): Binaries {
  const found = {
    fixture: process.env.PAWWORK_FIXTURE_BIN ?? join(root, "target", "release", "pawwork-fixture"),
    supervisor: process.env.PAWWORK_SUPERVISOR_PATH ?? join(root, "target", "release", "pawwork-supervisor"),
  }
  const missing = Object.values(found).filter((p) => !existsSync(p))
  if (missing.length) {
    throw new Error(
      `missing ${missing.join(", ")}: run \`cargo build --release -p pawwork-supervisor -p pawwork-fixture\` ` +
        "(npm run bench does it for you)",
    )
  }
  return found
}
