import { binaryPath, repoRoot } from "@pawwork/harness"

export { repoRoot } from "@pawwork/harness"

export interface Paths {
  root: string
  fixtureBin: string
  supervisorBin: string
}

/** Binaries of the release build (what users ship); PAWWORK_FIXTURE_PATH / PAWWORK_SUPERVISOR_PATH override them. */
export function paths(root = repoRoot()): Paths {
  return {
    root,
    fixtureBin: binaryPath("pawwork-fixture", ["release"], root),
    supervisorBin: binaryPath("pawwork-supervisor", ["release"], root),
  }
}
