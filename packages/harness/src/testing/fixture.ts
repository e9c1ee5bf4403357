import { existsSync } from "node:fs"
import { binaryPath, repoRoot } from "../paths.js"

/** pawwork-fixture: PAWWORK_FIXTURE_PATH, else the workspace's debug then release build (npm test builds debug first). */
export function fixturePath(): string {
  const found = binaryPath("pawwork-fixture", ["debug", "release"], repoRoot())
  if (existsSync(found)) return found
  throw new Error("pawwork-fixture not built: run `cargo build -p pawwork-fixture` (or set PAWWORK_FIXTURE_PATH)")
}

/** Argv that runs a fixture subcommand with a report file. */
export function fixture(report: string | null, ...args: string[]): string[] {
  return report ? [fixturePath(), "--report", report, ...args] : [fixturePath(), ...args]
}

/** The fixture's output pattern: line k is k as 15 lower-case hex digits and "\n" (16 bytes a line). */
export function pattern(bytes: number): Buffer {
  const lines = Math.ceil(bytes / 16)
  let text = ""
  for (let k = 0; k < lines; k++) text += k.toString(16).padStart(15, "0") + "\n"
  return Buffer.from(text).subarray(0, bytes)
}
