import type { Options as ExecaOptions } from "execa"
import type { Options } from "@pawwork/process"
import type { SpawnSettings } from "@pawwork/process/backend-kit"

/** `killDescendants` is execa 10's tree option; execa 9 does not know it (see tree). */
export type TreeOptions = ExecaOptions & { killDescendants?: boolean }

/**
 * Every execa setting of this backend, in one place, so the comparison's configuration can be read off here
 * (the README's "Settings" list says the same). Execa is given the Process API's options faithfully:
 * - `abort` -> `cancelSignal`; `kill` -> `killSignal`; `timeout` (the grace) -> `forceKillAfterDelay`;
 * - `cleanup: true` (its default, set on purpose): execa kills the child when this process exits;
 * - `killDescendants: true`: execa's documented option for trees since 10.0.0 (process group + `kill(-pid)`,
 *   `taskkill /T /F` on Windows). Execa 10 needs Node >= 22; on this project's Node 20 the installed major is
 *   9, which ignores the option: every signal reaches the root pid alone (pinned by test/peers.test.ts);
 * - `windowsHide: false`: execa's Windows docs ask for it so subprocesses are cleaned up, and its current
 *   termination docs say it is what lets `cleanup` reach descendants there;
 * - `buffer: false` (the caller reads the streams; execa resumes any it leaves unread), `reject: false`
 *   (the result, not an exception, carries code and signal), `encoding: "buffer"` (bytes, never text);
 * - `env`: `null` is an empty environment (`extendEnv: false`), an object is merged over `process.env` by
 *   execa's `extendEnv`; `shell`, `cwd`, `detached` and the three stdio settings pass through unchanged.
 */
export function execaOptions(opts: Options, settings: SpawnSettings): TreeOptions {
  return {
    cwd: opts.cwd,
    env: opts.env === null ? {} : opts.env,
    extendEnv: opts.env !== null,
    shell: opts.shell ?? false,
    stdin: settings.stdio[0],
    stdout: settings.stdio[1],
    stderr: settings.stdio[2],
    cancelSignal: opts.abort,
    killSignal: settings.killSignal,
    forceKillAfterDelay: settings.abortGraceMs,
    cleanup: true,
    detached: opts.detached === true,
    killDescendants: true,
    windowsHide: false,
    buffer: false,
    reject: false,
    encoding: "buffer",
  }
}
