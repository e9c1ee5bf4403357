import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { delimiter, join } from "node:path"
import type { Options, ProcessApi } from "@pawwork/process"
import type { CreateProcess } from "./api.js"
import type { Paths } from "./paths.js"
import type { Platform } from "./platform.js"
import { killIfSameProcess, startOf } from "@pawwork/harness"
import { EFFECT_BACKENDS, type BackendName } from "./types.js"

/** A backend as the runner uses it: the Process API plus the spawn options that make the variant. */
export interface Backend {
  name: BackendName
  api: ProcessApi
  /** Merged into every spawn of this backend (baseline-detached: PawWork's bash-tool path). */
  options: Options
}

/** Why a backend cannot run here, or null. */
export function backendUnavailable(name: BackendName, paths: Paths, create: CreateProcess, platform: Platform): string | null {
  if (platform.under_wine && KILLS_WITH_TASKKILL_T.includes(name)) {
    const why = taskkillTreeMissing()
    if (why) return `under Wine, ${why}: the Windows cells of this backend come from real Windows runs only`
  }
  if (!existsSync(paths.fixtureBin)) return `fixture program not built (${paths.fixtureBin})`
  if ((name === "supervisor" || name === "supervisor-effect") && !existsSync(paths.supervisorBin)) {
    return `supervisor binary not built (${paths.supervisorBin})`
  }
  if (EFFECT_BACKENDS.includes(name) && create.effectUnavailable) return create.effectUnavailable
  if ((name === "execa" || name === "tree-kill") && create.peersUnavailable) return create.peersUnavailable
  if (name === "tree-kill" && process.platform !== "win32" && !onPath(process.platform === "darwin" ? "pgrep" : "ps")) {
    return "tree-kill needs `ps` (procps), which is not on PATH"
  }
  return null
}

/**
 * Backends whose whole Windows tree kill is `taskkill /pid N /t /f` (the baseline's terminateTree, tree-kill,
 * execa's killDescendants, Effect's Node spawner).
 */
const KILLS_WITH_TASKKILL_T: readonly BackendName[] = ["baseline", "baseline-detached", "tree-kill", "execa", "effect"]

let taskkillProbe: string | null | undefined
/**
 * Why this machine's taskkill cannot end a tree, or null. Wine 8.0's taskkill has no `/t` at all, so
 * those backends would measure a Wine gap (nothing killed, every pid leaked), not their own design.
 * Asked once, from taskkill's own usage text, so a Wine that gains `/t` runs them again.
 */
function taskkillTreeMissing(): string | null {
  if (taskkillProbe !== undefined) return taskkillProbe
  const r = spawnSync("taskkill", ["/?"], { encoding: "utf8", windowsHide: true, timeout: 10_000 })
  const usage = `${r.stdout ?? ""}${r.stderr ?? ""}`
  if (r.error) taskkillProbe = `taskkill cannot start (${r.error.message})`
  else if (!usageHasTreeFlag(usage)) taskkillProbe = `taskkill has no /t (its usage: ${JSON.stringify(usage.trim().split(/\r?\n/)[0] ?? "")})`
  else taskkillProbe = null
  return taskkillProbe
}

/** Whether taskkill's `/?` text offers `/t` (Windows: a "/T" line; Wine 8.0: "[/?] [/f] [/im ...| /pid ...]" only). */
export function usageHasTreeFlag(usage: string): boolean {
  return /(^|[\s[])\/t\b/im.test(usage)
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
  if (name === "supervisor-effect") {
    return { name, api: create({ backend: name, supervisorPath: paths.supervisorBin }), options: {} }
  }
  if (name === "execa" || name === "tree-kill" || name === "effect") {
    // Each peer is configured inside @pawwork/peers the way its own docs recommend; nothing to add per spawn.
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
  let start: string | undefined
  let unread: string | null = null
  try {
    start = pid ? (startOf(pid) ?? undefined) : undefined
  } catch (err) {
    // Without a start time the sidecar cannot be killed safely by pid: shutdown() still runs.
    unread = (err as Error).message
  }
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), boundMs)))
  try {
    const done = await Promise.race([backend.api.shutdown().then(() => true, () => true), timeout])
    if (done) return null
  } finally {
    clearTimeout(timer)
  }
  const killed = pid && start ? killIfSameProcess(pid, start) : false
  return `shutdown() did not finish within ${boundMs} ms${killed ? `; the sidecar (pid ${pid}) was killed by the harness` : ""}` +
    (unread ? `; its start time could not be read (${unread}), so it was not killed` : "")
}
