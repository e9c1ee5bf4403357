import { existsSync } from "node:fs"
import { delimiter, join } from "node:path"
import type { CreateProcess, ProcessApi, SpawnOptions } from "./api.js"
import type { Paths } from "./paths.js"
import { safeKill } from "./leaks.js"
import { startOf } from "./procfs.js"
import type { BackendName } from "./types.js"

/** A backend as the runner uses it: the Process API plus the spawn options that make the variant. */
export interface Backend {
  name: BackendName
  api: ProcessApi
  /** Merged into every spawn of this backend (baseline-detached: PawWork's bash-tool path). */
  options: SpawnOptions
}

/** Why a backend cannot run here, or null. */
export function backendUnavailable(name: BackendName, paths: Paths, create: CreateProcess | string): string | null {
  if (typeof create === "string") return create
  if (!existsSync(paths.fixtureBin)) return `fixture program not built (${paths.fixtureBin})`
  if (name === "supervisor" && !existsSync(paths.supervisorBin)) return `supervisor binary not built (${paths.supervisorBin})`
  if (name === "tree-kill" && process.platform !== "win32" && !onPath(process.platform === "darwin" ? "pgrep" : "ps")) {
    return "tree-kill needs `ps` (procps), which is not on PATH"
  }
  return null
}

/** tree-kill runs `ps` by name; without it every walk finds nothing and the column would measure a broken install. */
function onPath(program: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((dir) => dir !== "" && existsSync(join(dir, program)))
}

export function openBackend(name: BackendName, paths: Paths, create: CreateProcess): Backend {
  if (name === "supervisor") {
    return {
      name,
      api: create({ backend: "supervisor", supervisorPath: paths.supervisorBin }),
      options: {},
    }
  }
  if (name === "execa" || name === "tree-kill") {
    // Each peer is configured inside @pawwork/process the way its own docs recommend; nothing to add per spawn.
    return { name, api: create({ backend: name }), options: {} }
  }
  return {
    name,
    api: create({ backend: "baseline" }),
    options: name === "baseline-detached" ? { detached: true } : {},
  }
}

/**
 * Shuts a backend down without letting a stuck sidecar hang the matrix: when
 * `shutdown()` has not finished within `boundMs`, the sidecar is killed by pid
 * (start time checked) and the returned note says so, for the report.
 */
export async function closeBackend(backend: Backend, boundMs = 5000): Promise<string | null> {
  const pid = backend.api.sidecarPid
  const start = pid ? (startOf(pid) ?? undefined) : undefined
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), boundMs)))
  try {
    const done = await Promise.race([backend.api.shutdown().then(() => true, () => true), timeout])
    if (done) return null
  } finally {
    clearTimeout(timer)
  }
  const killed = pid && start ? safeKill(pid, start) : false
  return `shutdown() did not finish within ${boundMs} ms${killed ? `; the sidecar (pid ${pid}) was killed by the harness` : ""}`
}
