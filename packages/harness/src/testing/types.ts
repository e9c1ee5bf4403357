import type { Readable, Writable } from "node:stream"

/*
 * The parts of the Process API's types (@pawwork/process) the shared test helpers touch, written out
 * structurally: the harness is never a dependency of @pawwork/process, nor the other way round.
 */

export interface TestOutcome {
  reason: string
  code: number | null
  signal: string | null
  bytes: { stdout: number; stderr: number }
  drain: string
  killedPids: number[]
  leftoverPids: number[]
}

export interface TestChild {
  readonly pid: number | undefined
  readonly stdin: Writable | null
  readonly stdout: Readable | null
  readonly exited: Promise<number>
  readonly outcome: Promise<TestOutcome>
}

export interface TestResult {
  code: number
  stdout: Buffer
  stderr: Buffer
}

export interface TestApi {
  spawn(cmd: string[], opts?: any): TestChild
  run(cmd: string[], opts?: any): Promise<TestResult>
  text(cmd: string[], opts?: any): Promise<TestResult & { text: string }>
  lines(cmd: string[], opts?: any): Promise<string[]>
  stop(child: any): Promise<void>
  shutdown(): Promise<void>
}
