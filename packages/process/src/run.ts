import { buffer } from "node:stream/consumers"
import { RunFailedError, errorMessage } from "./errors.js"
import type { Child, Options, Result, RunOptions, TextResult } from "./types.js"

type SpawnFn = (cmd: string[], opts?: Options) => Child

/**
 * run/text/lines over any backend's spawn, shaped exactly like the baseline's: wait for `exited` AND for
 * EOF on both pipes. With the baseline a descendant holding a pipe makes this hang; with the supervisor
 * the pipes end on the `exit` event, which the sidecar bounds with its drain deadline.
 */
export function makeRunner(spawn: SpawnFn) {
  async function run(cmd: string[], opts: RunOptions = {}): Promise<Result> {
    const { nothrow: _nothrow, ...rest } = opts
    const proc = spawn(cmd, { ...rest, stdout: "pipe", stderr: "pipe" })
    if (!proc.stdout || !proc.stderr) throw new Error("Process output not available")

    const out = await Promise.all([proc.exited, buffer(proc.stdout), buffer(proc.stderr)])
      .then(([code, stdout, stderr]) => ({ code, stdout, stderr }))
      .catch(async (err: unknown) => {
        // A command that could not start rejects `exited` with the spawn error (ENOENT, ...), but under Bun
        // its never-opened pipes reject first ("Premature close"): report the spawn error, which names
        // the cause, as Node's order already does.
        if ((await proc.spawned) === undefined) err = await proc.exited.then(() => err, (spawnErr: unknown) => spawnErr)
        if (!opts.nothrow) throw err
        return { code: 1, stdout: Buffer.alloc(0), stderr: Buffer.from(errorMessage(err)) }
      })
    if (out.code === 0 || opts.nothrow) return out
    throw new RunFailedError(cmd, out.code, out.stdout, out.stderr)
  }

  async function text(cmd: string[], opts: RunOptions = {}): Promise<TextResult> {
    const out = await run(cmd, opts)
    return { ...out, text: out.stdout.toString() }
  }

  async function lines(cmd: string[], opts: RunOptions = {}): Promise<string[]> {
    return (await text(cmd, opts)).text.split(/\r?\n/).filter(Boolean)
  }

  return { run, text, lines }
}
