import type { Readable, Writable } from "node:stream"

/*
 * The slice of `@pawwork/process` the matrix drives, declared structurally here
 * and loaded with a dynamic import: the matrix builds (and its report code is
 * tested) even when the process package is not built yet, and a workspace build
 * order that puts this package first cannot break on missing declarations.
 */

export type Stdio = "inherit" | "pipe" | "ignore"

export interface SpawnOptions {
  cwd?: string
  env?: Record<string, string | undefined> | null
  stdin?: Stdio
  stdout?: Stdio
  stderr?: Stdio
  abort?: AbortSignal
  kill?: NodeJS.Signals
  timeout?: number
  detached?: boolean
  drainTimeout?: number
  runTimeout?: number
  /** Run through a shell (`/bin/sh -c` on Unix), as an agent's bash tool does. */
  shell?: boolean | string
  /** Supervisor only: `keep` leaves descendants alive after the root's exit running (others ignore it). */
  leftovers?: "kill" | "keep"
}

export interface RunOptions extends Omit<SpawnOptions, "stdout" | "stderr"> {
  nothrow?: boolean
}

export interface Outcome {
  reason: string
  code: number | null
  signal: string | null
  bytes: { stdout: number; stderr: number }
  drain: string
  killedPids: number[]
  leftoverPids: number[]
}

export interface Child {
  readonly pid: number | undefined
  readonly stdin: Writable | null
  readonly stdout: Readable | null
  readonly stderr: Readable | null
  readonly exited: Promise<number>
  readonly outcome?: Promise<Outcome>
  kill(signal?: NodeJS.Signals | number): boolean
  cancel?(opts?: { signal?: string; graceMs?: number }): Promise<Outcome>
  signal?(name: string): Promise<number[]>
}

/** `terminateTree`'s input (packages/process/src/types.ts). */
export interface TerminateTreeInput {
  pid: number
  graceMs?: number
  signalRoot?: (signal: NodeJS.Signals) => void
  waitForExit?: Promise<unknown>
  findDescendants?: (pid: number) => Promise<number[]>
}

export interface ProcessApi {
  readonly backend: string
  spawn(cmd: string[], opts?: SpawnOptions): Child
  run(cmd: string[], opts?: RunOptions): Promise<{ code: number; stdout: Buffer; stderr: Buffer }>
  stop(child: Child): Promise<void>
  /** Ends the tree of `pid`, whoever started it (PawWork's PTY shells, trees started elsewhere). */
  terminateTree(input: TerminateTreeInput): Promise<void>
  /** The default grace of terminateTree and stop (ms). */
  readonly TERMINATION_GRACE_MS: number
  shutdown(): Promise<void>
  readonly sidecarPid?: number | undefined
}

export interface CreateProcess {
  (opts: { backend: "baseline" | "supervisor" | "execa" | "tree-kill" | "effect" | "supervisor-effect"; [key: string]: unknown }): ProcessApi
  /** Why the Effect backends cannot be created here (their subpath failed to load), or null. */
  readonly effectUnavailable: string | null
}

type CreateFn = (opts: { backend: string; [key: string]: unknown }) => ProcessApi

/**
 * Loads `createProcess` and the Effect backends' `createEffectProcess` (`@pawwork/process/effect/backends`), or
 * says in one line why it cannot (a cell then becomes "not run"). The Effect subpath loads `effect` and
 * `@effect/platform-node`: when that fails, only the two Effect backends are not run.
 */
export async function loadCreateProcess(): Promise<CreateProcess | string> {
  let createProcess: CreateFn
  try {
    const mod = (await import("@pawwork/process" as string)) as { createProcess?: CreateFn }
    if (typeof mod.createProcess !== "function") return "@pawwork/process does not export createProcess"
    createProcess = mod.createProcess
  } catch (err) {
    return `@pawwork/process cannot be loaded (not built?): ${(err as Error).message.split("\n")[0]}`
  }
  let createEffectProcess: CreateFn | null = null
  let effectUnavailable: string | null = null
  try {
    const mod = (await import("@pawwork/process/effect/backends" as string)) as { createEffectProcess?: CreateFn }
    if (typeof mod.createEffectProcess === "function") createEffectProcess = mod.createEffectProcess
    else effectUnavailable = "@pawwork/process/effect/backends does not export createEffectProcess"
  } catch (err) {
    effectUnavailable = `@pawwork/process/effect/backends cannot be loaded: ${(err as Error).message.split("\n")[0]}`
  }
  const create = (opts: Parameters<CreateFn>[0]): ProcessApi => {
    if (opts.backend !== "effect" && opts.backend !== "supervisor-effect") return createProcess(opts)
    if (!createEffectProcess) throw new Error(effectUnavailable ?? "the Effect backends are not available")
    return createEffectProcess(opts)
  }
  return Object.assign(create, { effectUnavailable }) as CreateProcess
}
