import type { ChildProcess } from "node:child_process"
import type { Readable, Writable } from "node:stream"

/**
 * The part of `Child` that is a Node ChildProcess as it stands (its pid and stdio streams), for the
 * comparison backends that hand out a wrapper around one (execa, tree-kill). The baseline and the
 * supervisor have children of their own shape.
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
}
