import launch from "cross-spawn"
import { trackOutcome } from "../baseline/outcome.js"
import { baselineEnv } from "../baseline/spawn.js"
import type { Options } from "../types.js"
import { TreeKillChild } from "./child.js"

/**
 * Started exactly like the baseline (cross-spawn, same options, `exited` on Node's `exit` event), so the only
 * difference the matrix sees is how a cancel finds and signals the tree.
 */
export function spawn(cmd: string[], opts: Options = {}): TreeKillChild {
  if (cmd.length === 0) throw new Error("Command is required")
  opts.abort?.throwIfAborted()

  const proc = launch(cmd[0]!, cmd.slice(1), {
    cwd: opts.cwd,
    shell: opts.shell,
    env: baselineEnv(opts.env),
    stdio: [opts.stdin ?? "ignore", opts.stdout ?? "ignore", opts.stderr ?? "ignore"],
    windowsHide: process.platform === "win32",
    detached: opts.detached === true && process.platform !== "win32",
  })

  const abort = () => void child.terminate(opts.kill ?? "SIGTERM", opts.timeout ?? 5_000)
  const exited = new Promise<number>((resolve, reject) => {
    const done = () => opts.abort?.removeEventListener("abort", abort)
    proc.once("exit", (code, signal) => {
      done()
      resolve(code ?? (signal ? 1 : 0))
    })
    proc.once("error", (error) => {
      done()
      reject(error)
    })
  })
  void exited.catch(() => undefined)

  const child = new TreeKillChild(proc, trackOutcome(proc, opts), exited)
  if (opts.abort) {
    opts.abort.addEventListener("abort", abort, { once: true })
    if (opts.abort.aborted) abort()
  }
  return child
}
