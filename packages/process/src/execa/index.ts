import { execa } from "execa"
import { terminateTreeApi } from "../baseline/index.js"
import { makeRunner } from "../run.js"
import { treeQueries } from "../tree-queries.js"
import type { Child, Options, ProcessApi } from "../types.js"
import { ExecaChild, type ExecaSubprocess } from "./child.js"
import { execaOptions } from "./options.js"

export { execaOptions } from "./options.js"

/** Spawns through execa with the settings of options.ts; the Process API's checks come first. */
export function spawn(cmd: string[], opts: Options = {}): ExecaChild {
  if (cmd.length === 0) throw new Error("Command is required")
  opts.abort?.throwIfAborted()
  const sub = execa(cmd[0]!, cmd.slice(1), execaOptions(opts)) as unknown as ExecaSubprocess
  return new ExecaChild(sub, opts)
}

export async function stop(child: Child): Promise<void> {
  if (!(child instanceof ExecaChild)) throw new TypeError("stop(): not a child of the execa backend")
  await child.stop()
}

/** Peer backend for the comparison: execa, configured as its documentation recommends for trees. */
export function createExeca(): ProcessApi {
  return {
    backend: "execa",
    spawn,
    ...makeRunner(spawn),
    stop,
    ...treeQueries,
    // Execa has no tree function of its own: a caller holding only a pid would use what PawWork has.
    terminateTree: terminateTreeApi,
    shutdown: async () => {},
    sidecarPid: undefined,
  }
}
