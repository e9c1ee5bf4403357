import type { Readable } from "node:stream"

/*
 * The slice of `@pawwork/process` the benchmark drives, declared structurally and loaded with a dynamic
 * import (as the matrix does): the workspaces build in name order, so this package must compile before
 * the process package has produced its declarations on a fresh clone.
 */

export interface Outcome {
  reason: string
  code: number | null
  signal: string | null
  bytes: { stdout: number; stderr: number }
}

export interface SpawnOptions {
  env?: Record<string, string | undefined> | null
  stdin?: "pipe" | "ignore"
  stdout?: "pipe" | "ignore"
  stderr?: "pipe" | "ignore"
  abort?: AbortSignal
  kill?: NodeJS.Signals
  /** Grace between the graceful and the forceful step of an abort (ms). */
  timeout?: number
}

export interface ApiChild {
  readonly pid: number | undefined
  readonly stdout: Readable | null
  readonly exited: Promise<number>
  readonly outcome: Promise<Outcome>
  readonly spawned: Promise<number | undefined>
}

export interface ProcessApi {
  readonly backend: string
  spawn(cmd: string[], opts?: SpawnOptions): ApiChild
  shutdown(): Promise<void>
  readonly sidecarPid: number | undefined
}

export type BackendName = "baseline" | "supervisor"
export type CreateProcess = (opts: { backend: BackendName; supervisorPath?: string }) => ProcessApi

let loaded: CreateProcess | undefined

export async function loadCreateProcess(): Promise<CreateProcess> {
  if (loaded) return loaded
  // `as string` keeps tsc from resolving the module's declarations, which may not be built yet.
  const mod = (await import("@pawwork/process" as string)) as { createProcess?: CreateProcess }
  if (typeof mod.createProcess !== "function") throw new Error("@pawwork/process does not export createProcess")
  loaded = mod.createProcess
  return loaded
}
