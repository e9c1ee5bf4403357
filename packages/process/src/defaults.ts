/**
 * Defaults PawWork's callers depend on, in one place so every backend means the same thing by them
 * (docs/baseline.md).
 */

/** Default grace of `terminateTree` and `stop()`, between the graceful signal and SIGKILL. */
export const TERMINATION_GRACE_MS = 500
