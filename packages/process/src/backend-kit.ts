/**
 * `@pawwork/process/backend-kit`: the building blocks another backend of the Process API is made of, for
 * backends that live outside this package (the comparison peers of packages/peers: execa, tree-kill,
 * Effect's Node spawner). Using the API needs none of it. Each name here is what the baseline and the
 * supervisor are built from themselves, so a peer built on it means the same as they do by every option,
 * default and check (src/defaults.ts); nothing else of the package's internals is reachable.
 */

/** The ProcessApi shape over a backend's own spawn/stop/terminateTree (run/text/lines, tree queries, shutdown). */
export { processApi, type BackendParts } from "./api.js"
/** Every spawn's checks and defaults, and the outcome of a command that never started. */
export { spawnSettings, spawnFailedOutcome, TERMINATION_GRACE_MS, type SpawnSettings } from "./defaults.js"
/** A `Child` that is a Node ChildProcess seen through (pid, stdio, exit state, events). */
export { ProcView } from "./proc-view.js"
/** What a Node pipe has delivered and whether it reached EOF, for an outcome's `bytes` and `drain`. */
export { bytesRead, countArrivals, drainOf } from "./stream-state.js"
/** The baseline's start (cross-spawn, its options), `exited` on Node's `exit`, and its outcome tracker. */
export { exitedOnExit, launchLikeBaseline } from "./baseline/spawn.js"
export { trackOutcome, type OutcomeTracker } from "./baseline/outcome.js"
/** The baseline's terminateTree as the ProcessApi has it, and what its own version reports. */
export { terminateTreeApi } from "./baseline/index.js"
export type { TerminateReport } from "./baseline/terminate-tree.js"
/** Signal 0 succeeds: the baseline's liveness test. */
export { exists } from "./baseline/descendants.js"
/** The guard every signal by number passes: never pid <= 1, this process or its own group. */
export { assertTerminateTarget, isSignallablePid, ownProcessGroup } from "./safety.js"
export { errorMessage } from "./errors.js"
