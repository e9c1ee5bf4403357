import { existsSync, readFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

/** The repository root: the nearest folder above this module with a Cargo workspace and a package.json. */
export function repoRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(from)
  for (;;) {
    if (existsSync(join(dir, "Cargo.toml")) && existsSync(join(dir, "package.json"))) {
      try {
        if (readFileSync(join(dir, "Cargo.toml"), "utf8").includes("[workspace]")) return dir
      } catch {
        // keep walking up
      }
    }
    const up = dirname(dir)
    if (up === dir) throw new Error(`no repository root above ${from}`)
    dir = up
  }
}

const exe = process.platform === "win32" ? ".exe" : ""

export interface Paths {
  root: string
  fixtureBin: string
  supervisorBin: string
}

/** Binaries of the release build; PAWWORK_FIXTURE_BIN / PAWWORK_SUPERVISOR_PATH override them. */
export function paths(root = repoRoot()): Paths {
  return {
    root,
    fixtureBin: process.env.PAWWORK_FIXTURE_BIN ?? join(root, "target", "release", `pawwork-fixture${exe}`),
    supervisorBin: process.env.PAWWORK_SUPERVISOR_PATH ?? join(root, "target", "release", `pawwork-supervisor${exe}`),
  }
}
