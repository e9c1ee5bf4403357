import type { ChildProcess } from "node:child_process"
import type { Readable, Writable } from "node:stream"

type ExitListener = (code: number | null, signal: NodeJS.Signals | null) => void
type ErrorListener = (err: Error) => void

/**
 * The part of `Child` that is a Node ChildProcess as it stands (its pid, stdio streams, exit state and
 * `exit`/`error` events), for the comparison backends that hand out a wrapper around one (execa,
 * tree-kill). The baseline and the supervisor have children of their own shape.
 */
export abstract class ProcView {
  protected constructor(protected readonly proc: ChildProcess) {}

  get pid(): number | undefined {
    return this.proc.pid
  }
  get stdin(): Writable | null {
    return this.proc.stdin
  }
  get stdout(): Readable | null {
    return this.proc.stdout
  }
  get stderr(): Readable | null {
    return this.proc.stderr
  }
  get exitCode(): number | null {
    return this.proc.exitCode
  }
  get signalCode(): NodeJS.Signals | null {
    return this.proc.signalCode
  }
  get killed(): boolean {
    return this.proc.killed
  }

  once(event: "exit", listener: ExitListener): this
  once(event: "error", listener: ErrorListener): this
  once(event: "exit" | "error", listener: ExitListener | ErrorListener): this {
    this.proc.once(event, listener)
    return this
  }
  on(event: "exit", listener: ExitListener): this
  on(event: "error", listener: ErrorListener): this
  on(event: "exit" | "error", listener: ExitListener | ErrorListener): this {
    this.proc.on(event, listener)
    return this
  }
  off(event: "exit" | "error", listener: (...args: any[]) => void): this {
    this.proc.off(event, listener)
    return this
  }
}
