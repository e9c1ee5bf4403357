import * as Duration from "effect/Duration"
import type * as ChildProcess from "effect/process/ChildProcess"
import type { SupervisorChild } from "../supervisor/child.js"
import type { CancelOptions } from "../types.js"

/*
 * Effect's lifetime model on the supervisor (docs/reference/adoption.md, "Lifetime"): `exitCode` settles when the
 * leader exits; the tree lives until the spawn's scope is released, which runs the ladder over all of it and
 * returns once it is gone. The sidecar keeps such a tree after the leader's exit (`leftovers: "keep"` on the
 * wire), so the drain still cuts a held pipe at its bound and every member stays contained meanwhile.
 */

/**
 * What becomes of what a command's leader leaves running:
 * - `scope` (default, Effect's own model): it lives until the spawn's scope is released (or `kill()`), then
 *   the ladder ends the whole tree, `setsid()` escapees included. A leader exiting non-zero has its tree
 *   sent the kill signal at once, as Effect's Node spawner signals its group then.
 * - `keep`: as `scope` while the leader runs; once it has exited, the tree outlives the spawn's scope too,
 *   until `kill()`, Process.terminateTree({ pid }) of the leader, or the layer's close (a shell's `server &`).
 * - `kill`: the supervisor's own rule: ended at the drain bound, right after the leader's exit.
 */
export type Leftovers = "scope" | "keep" | "kill"

/**
 * How long Effect's Node spawner waits for the rest of a process group once the leader has exited, in a kill
 * or a release without `forceKillAfter` (its `processGroupGraceMillis`); it then returns, leaving survivors
 * running. The layer gives them the same time, then the forceful step.
 */
export const GROUP_GRACE_MS = 1000

/** The protocol's policy for a layer policy: the sidecar keeps the tree whenever the layer decides its end. */
export function wireLeftovers(policy: Leftovers): "keep" | "kill" {
  return policy === "kill" ? "kill" : "keep"
}

/**
 * How long the pipes drain once a kill or a release has ended the tree. Effect's Node spawner returns from
 * either without waiting for the pipes; output nobody reads holds the relay at its credit window, and its
 * EOF would only come at the spawn's drain bound. A reader still reading is given this long for the rest.
 */
export const END_DRAIN_MS = 250

/**
 * The ladder of a kill or a release. With `forceKillAfter`, Effect's: the signal, that long, SIGKILL. Without
 * it, Effect's timing: the leader as long as it takes, bounded by `leaderBoundMs` (where Effect waits without
 * end), and the rest of the tree GROUP_GRACE_MS after the leader's end; then SIGKILL, where Effect gives up.
 */
export function ladder(
  signal: ChildProcess.Signal | undefined,
  forceKillAfter: Duration.Input | undefined,
  leaderBoundMs: number,
): CancelOptions {
  const base = { signal: signal ?? "SIGTERM", drainTimeoutMs: END_DRAIN_MS }
  if (forceKillAfter !== undefined) return { ...base, graceMs: Math.max(0, Duration.toMillis(forceKillAfter)) }
  return { ...base, graceMs: leaderBoundMs, graceAfterRootMs: Math.min(GROUP_GRACE_MS, leaderBoundMs) }
}

/** What the release of a spawn's scope needs to know. */
export interface ReleaseState {
  /** Not unref'd: an unref'd process outlives its scope (Effect's rule), until the layer closes. */
  referenced: boolean
  /** The leader has exited. */
  leaderGone: boolean
}

/** The release of a spawn's scope: the ladder over the whole tree, returning once it is gone. */
export async function release(child: SupervisorChild, policy: Leftovers, state: ReleaseState, how: CancelOptions): Promise<void> {
  if (!state.referenced) return
  if (policy === "keep" && state.leaderGone) return
  await child.cancel(how).catch(() => undefined)
}

/**
 * Effect's Node spawner signals a leader's group as soon as the leader exits non-zero, without waiting or
 * escalating, so even an unref'd command whose scope is long gone leaves nothing of a failed run behind.
 * Under `scope` the layer does the same to the whole tree, before `exitCode` is seen, and leaves what
 * ignores the signal to the release (or the layer's close).
 */
export function onLeaderExit(child: SupervisorChild, policy: Leftovers, code: number | null, signal: ChildProcess.Signal | undefined): void {
  if (policy !== "scope" || code === null || code === 0) return
  void child.signal(signal ?? "SIGTERM").catch(() => undefined)
}
