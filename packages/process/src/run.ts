import type { Readable } from "node:stream"
import { buffer } from "node:stream/consumers"
import { finished } from "node:stream/promises"
import { RunFailedError, errorMessage } from "./errors.js"
import type { Child, Options, Result, RunOptions, TextResult } from "./types.js"

type SpawnFn = (cmd: string[], opts?: Options) => Child

/** How run() reads a pipe to its end into one Buffer. */
export type Collect = (stream: Readable) => Promise<Buffer>

/**
 * A pipe read to its end with its chunks kept as they come and joined once: one copy of the output.
 * `node:stream/consumers`' buffer(), which the baseline keeps as PawWork has it, goes through a Blob and
 * an ArrayBuffer (Node) or Bun.readableStreamToArrayBuffer (Bun), and costs more than that copy:
 * docs/results/bench-linux.md reads the baseline's own spawn both ways. Rejects as buffer() does: with the
 * stream's error, or when it closes before its end.
 */
export async function readToEnd(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  let length = 0
  const keep = (chunk: Buffer) => {
    chunks.push(chunk)
    length += chunk.length
  }
  stream.on("data", keep)
  try {
    await finished(stream)
  } finally {
    stream.off("data", keep)
  }
  return Buffer.concat(chunks, length)
}

/**
 * run/text/lines over any backend's spawn, shaped exactly like the baseline's: wait for `exited` AND for
 * EOF on both pipes. With the baseline a descendant holding a pipe makes this hang; with the supervisor
 * the pipes end on the `exit` event, which the sidecar bounds with its drain deadline. `collect` reads
 * each pipe: buffer(), as PawWork does, unless the backend brings its own.
 */
export function makeRunner(spawn: SpawnFn, collect: Collect = buffer) {
  async function run(cmd: string[], opts: RunOptions = {}): Promise<Result> {
    const { nothrow: _nothrow, ...rest } = opts
    const proc = spawn(cmd, { ...rest, stdout: "pipe", stderr: "pipe" })
    if (!proc.stdout || !proc.stderr) throw new Error("Process output not available")

    const out = await Promise.all([proc.exited, collect(proc.stdout), collect(proc.stderr)])
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
