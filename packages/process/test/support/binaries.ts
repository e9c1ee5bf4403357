import { existsSync } from "node:fs"
import path from "node:path"
import { fileURLToPath } from "node:url"

const EXE = process.platform === "win32" ? ".exe" : ""

/** The repository root: four levels above dist-test/test/support/. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../..")

/** pawwork-fixture: PAWWORK_FIXTURE_PATH, else the workspace's debug then release build. */
export function fixturePath(): string {
  const given = process.env.PAWWORK_FIXTURE_PATH
  if (given) return given
  for (const profile of ["debug", "release"]) {
    const candidate = path.join(repoRoot, "target", profile, `pawwork-fixture${EXE}`)
    if (existsSync(candidate)) return candidate
  }
  throw new Error("pawwork-fixture not built: run `cargo build -p pawwork-fixture` (or set PAWWORK_FIXTURE_PATH)")
}

/** Argv that runs a fixture subcommand with a report file. */
export function fixture(report: string | null, ...args: string[]): string[] {
  return report ? [fixturePath(), "--report", report, ...args] : [fixturePath(), ...args]
}
