import { existsSync, readFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

/** The repository root: the nearest folder above `from` with a package.json and a Cargo.toml declaring a workspace. */
export function repoRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(from)
  for (;;) {
    if (existsSync(join(dir, "Cargo.toml")) && existsSync(join(dir, "package.json"))) {
      try {
        if (readFileSync(join(dir, "Cargo.toml"), "utf8").includes("[workspace]")) return dir
      } catch {
        // unreadable: keep walking up
      }
    }
    const up = dirname(dir)
    if (up === dir) throw new Error(`no repository root above ${from}`)
    dir = up
  }
}

export type BinaryName = "pawwork-fixture" | "pawwork-supervisor"
export type Profile = "release" | "debug"

/** One variable per binary, the same everywhere (scripts, workflows, Rust tests). */
export const BINARY_ENV: Record<BinaryName, string> = {
  "pawwork-fixture": "PAWWORK_FIXTURE_PATH",
  "pawwork-supervisor": "PAWWORK_SUPERVISOR_PATH",
}

const exe = process.platform === "win32" ? ".exe" : ""

/**
 * Where a binary is: its variable (BINARY_ENV) when set, else the first build of `profiles` that exists,
 * else the first profile's path (so the caller's "not built at ..." names where it was looked for). The
 * matrix and the bench measure what users ship and ask for release only; the unit tests run after a debug
 * build and take either.
 */
export function binaryPath(name: BinaryName, profiles: readonly Profile[] = ["release"], root = repoRoot()): string {
  const given = process.env[BINARY_ENV[name]]
  if (given) return given
  const candidates = profiles.map((p) => join(root, "target", p, `${name}${exe}`))
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!
}
