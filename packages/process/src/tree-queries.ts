import { descendants, exists } from "./baseline/descendants.js"
import { TERMINATION_GRACE_MS } from "./defaults.js"

/**
 * The read-only part of PawWork's tree functions, the same on every backend: `exists` is the baseline's
 * signal-0 test (PawWork checks its PTY with it), `descendants` its `pgrep -P` walk. Only terminateTree
 * differs between backends.
 */
export const treeQueries = { exists, descendants, TERMINATION_GRACE_MS } as const
