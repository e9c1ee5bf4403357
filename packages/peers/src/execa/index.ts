import { execa } from "execa"
import type { Child, Options, ProcessApi } from "@pawwork/process"
import { processApi, spawnSettings, terminateTreeApi } from "@pawwork/process/backend-kit"
import { ExecaChild, type ExecaSubprocess } from "./child.js"
import { execaOptions } from "./options.js"

export { execaOptions } from "./options.js"

/** Spawns through execa with the settings of options.ts; the Process API's checks come first. */
export function spawn(cmd: string[], opts: Options = {}): ExecaChild {
  const settings = spawnSettings(cmd, opts)
  const [file, ...args] = settings.cmd
  const sub = execa(file, args, execaOptions(opts, settings)) as unknown as ExecaSubprocess
  return new ExecaChild(sub, opts)
}

export async function stop(child: Child): Promise<void> {
  if (!(child instanceof ExecaChild)) throw new TypeError("stop(): not a child of the execa backend")
  await child.stop()
}

/** Peer backend for the comparison: execa, configured as its documentation recommends for trees. */
export function createExeca(): ProcessApi {
  // Execa has no tree function of its own: a caller holding only a pid would use what PawWork has.
  return processApi({ backend: "execa", spawn, stop, terminateTree: terminateTreeApi })
}
