import { binaryPath } from "@pawwork/harness"
import { existsSync } from "node:fs"

export { repoRoot } from "@pawwork/harness"

export interface Binaries {
  fixture: string
  supervisor: string
}

/** Release builds (what users ship); PAWWORK_FIXTURE_PATH / PAWWORK_SUPERVISOR_PATH override them. */
export function binaries(root?: string): Binaries {
  const found = {
    fixture: binaryPath("pawwork-fixture", ["release"], root),
    supervisor: binaryPath("pawwork-supervisor", ["release"], root),
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
