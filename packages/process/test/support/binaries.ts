import { binaryPath, repoRoot as findRoot } from "@pawwork/harness"
import { existsSync } from "node:fs"

export const repoRoot = findRoot()

/** pawwork-fixture: PAWWORK_FIXTURE_PATH, else the workspace's debug then release build (npm test builds debug first). */
export function fixturePath(): string {
  const found = binaryPath("pawwork-fixture", ["debug", "release"], repoRoot)
  if (existsSync(found)) return found
  throw new Error("pawwork-fixture not built: run `cargo build -p pawwork-fixture` (or set PAWWORK_FIXTURE_PATH)")
}

/** Argv that runs a fixture subcommand with a report file. */
export function fixture(report: string | null, ...args: string[]): string[] {
  return report ? [fixturePath(), "--report", report, ...args] : [fixturePath(), ...args]
}
