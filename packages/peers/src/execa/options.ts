import type { Options as ExecaOptions } from "execa"
import type { Options } from "@pawwork/process"
import type { SpawnSettings } from "@pawwork/process/backend-kit"

/**
 * Every execa setting of this backend, in one place, so the comparison's configuration can be read off here
 * (the README's "Settings" list says the same). Execa is given the Process API's options faithfully:
 * - `abort` -> `cancelSignal`; `kill` -> `killSignal`; `timeout` (the grace) -> `forceKillAfterDelay`;
 * - `killDescendants: true`: execa's option for trees (since 10.0.0). On Unix the child leads its own process
 *   group and every signal execa sends (cancel, kill(), forceKillAfterDelay's SIGKILL, cleanup) goes to `-pid`;
 *   on Windows it is `taskkill /T /F` while the root lives;
 * - `cleanup: true` (its default, set on purpose): execa kills the child (with killDescendants, its group) when
 *   this process exits; it reads the caller's `detached`, not the group killDescendants asks for;
 * - `windowsHide: false`: execa's Windows docs ask for it so subprocesses are cleaned up, and its termination
 *   docs say it is what lets `cleanup` reach descendants there;
 * - `buffer: false` (the caller reads the streams; execa resumes any it leaves unread), `reject: false`
 *   (the result, not an exception, carries code and signal), `encoding: "buffer"` (bytes, never text);
 * - `env`: `null` is an empty environment (`extendEnv: false`), an object is merged over `process.env` by
 *   execa's `extendEnv`; `shell`, `cwd`, `detached` and the three stdio settings pass through unchanged.
 */
export function execaOptions(opts: Options, settings: SpawnSettings): ExecaOptions {
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
