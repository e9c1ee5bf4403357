import { defaultProcess } from "./create.js"
import { TERMINATION_GRACE_MS as GRACE } from "./defaults.js"
import { RunFailedError as RunFailed } from "./errors.js"
import type * as T from "./types.js"

export { createProcess, type CreateProcessOptions } from "./create.js"
export {
  RunFailedError,
  SpawnFailedError,
  SupervisorDiedError,
  SupervisorNotFoundError,
  SupervisorProtocolError,
  SupervisorRequestError,
  SupervisorVersionError,
} from "./errors.js"
export type {
  CancelOptions,
  Child,
  Drain,
  EngineName,
  Options,
  Outcome,
  OutcomeReason,
  ProcessApi,
  Result,
  RunOptions,
  Shell,
  Stdio,
  SupervisedChild,
  TerminateTreeInput,
  TextResult,
} from "./types.js"
export { TERMINATION_GRACE_MS } from "./defaults.js"
export { BACKEND_FLAG, ENGINES, InvalidBackendFlagError, parseBackendFlag, processBackend } from "./flag.js"
export { locateSupervisor, platformKey, platformPackageName, supervisorLocation, unpackedAsarPath, type SupervisorLocation } from "./supervisor/locate.js"
export { makeRunner, readToEnd, type Collect } from "./run.js"

/** The process API on the engine PAWWORK_PROCESS_BACKEND names (processBackend()), with the baseline's names. */
export namespace Process {
  /** Default grace of terminateTree and stop (ms). */
  export const TERMINATION_GRACE_MS = GRACE
  export type Stdio = T.Stdio
  export type Shell = T.Shell
  export type Options = T.Options
  export type RunOptions = T.RunOptions
  export type Result = T.Result
  export type TextResult = T.TextResult
  export type Child = T.Child
  export type Outcome = T.Outcome
  export const RunFailedError = RunFailed
  export type RunFailedError = RunFailed

  export function spawn(cmd: string[], opts?: Options): Child {
    return defaultProcess().spawn(cmd, opts)
  }
  export async function run(cmd: string[], opts?: RunOptions): Promise<Result> {
    return defaultProcess().run(cmd, opts)
  }
  export async function text(cmd: string[], opts?: RunOptions): Promise<TextResult> {
    return defaultProcess().text(cmd, opts)
  }
  export async function lines(cmd: string[], opts?: RunOptions): Promise<string[]> {
    return defaultProcess().lines(cmd, opts)
  }
  export async function stop(child: Child): Promise<void> {
    return defaultProcess().stop(child)
  }
  export function exists(pid: number): boolean {
    return defaultProcess().exists(pid)
  }
  export async function descendants(pid: number): Promise<number[]> {
    return defaultProcess().descendants(pid)
  }
  export type TerminateTreeInput = T.TerminateTreeInput
  export async function terminateTree(input: TerminateTreeInput): Promise<void> {
    return defaultProcess().terminateTree(input)
  }
  /** Closes the default backend's sidecar, if any. */
  export async function shutdown(): Promise<void> {
    return defaultProcess().shutdown()
  }
  /** Name of the default backend (resolving it, so an unknown name throws here). */
  export function backend(): string {
    return defaultProcess().backend
  }
}
