import os from "node:os"
import path from "node:path"
import type { EnvSpec, SpawnRequest, StdioMode } from "../protocol/messages.js"
import type { SpawnSettings } from "../defaults.js"
import type { Options, Stdio } from "../types.js"

/** Signal name for the protocol from Node's name-or-number form. */
export function signalName(signal: NodeJS.Signals | number | undefined, fallback = "SIGTERM"): string {
  if (signal === undefined) return fallback
  if (typeof signal === "string") return signal
  const entry = Object.entries(os.constants.signals).find(([, n]) => n === signal)
  if (!entry) throw new TypeError(`unknown signal number ${signal}`)
  return entry[0]
}

/** The argv Node's spawn builds for `shell` (see child_process normalizeSpawnArguments). */
export function shellArgv(cmd: string[], shell: Options["shell"]): string[] {
  if (!shell) return cmd
  const command = cmd.join(" ")
  if (process.platform === "win32") {
    const file = typeof shell === "string" ? shell : process.env.comspec || "cmd.exe"
    if (/^(?:.*\\)?cmd(?:\.exe)?$/i.test(file)) return [file, "/d", "/s", "/c", `"${command}"`]
    return [file, "-c", command]
  }
  return [typeof shell === "string" ? shell : "/bin/sh", "-c", command]
}

/*
 * Always `replace` with the environment computed here, so the child sees what Node's spawn would give it
 * now: process.env may have changed since the sidecar started, and `undefined` values must delete.
 */
export function envSpec(env: Options["env"]): EnvSpec {
  const source = env === null ? {} : env ? { ...process.env, ...env } : process.env
  const vars: Record<string, string> = {}
  for (const [key, value] of Object.entries(source)) if (value !== undefined) vars[key] = value
  return { mode: "replace", vars }
}

/** `inherit` has no wire form: the client pipes and forwards to or from its own stdio instead. */
function wireStdio(mode: Stdio | undefined): StdioMode {
  return mode === "pipe" || mode === "inherit" ? "pipe" : "ignore"
}

/** The API's options in the protocol's names: the one place they are translated for the sidecar. */
export function spawnRequest(id: string, settings: SpawnSettings, opts: Options): SpawnRequest {
  const request: SpawnRequest = {
    op: "spawn",
    id,
    argv: shellArgv(settings.cmd, opts.shell),
    cwd: path.resolve(opts.cwd ?? process.cwd()),
    env: envSpec(opts.env),
    stdin: wireStdio(settings.stdio[0]),
    stdout: wireStdio(settings.stdio[1]),
    stderr: wireStdio(settings.stdio[2]),
    timeout_ms: opts.runTimeout ?? null,
    ladder: { signal: signalName(settings.killSignal), grace_ms: settings.abortGraceMs },
  }
  // Sent on Unix only: there it decides whether a terminal's Ctrl-C reaches the child (the host's group).
  if (process.platform !== "win32") request.detached = opts.detached === true
  if (opts.drainTimeout !== undefined) request.drain_timeout_ms = Math.max(0, opts.drainTimeout)
  if (opts.leftovers !== undefined) request.leftovers = opts.leftovers
  return request
}
