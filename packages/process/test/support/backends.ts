import { createProcess, type BackendName, type ProcessApi } from "../../src/index.js"

const ALL: readonly BackendName[] = ["baseline", "supervisor", "execa", "tree-kill"]

/** Every backend unless PAWWORK_TEST_BACKENDS narrows the list (e.g. while iterating on one). */
export function backendNames(): BackendName[] {
  const wanted = process.env.PAWWORK_TEST_BACKENDS?.split(",").map((s) => s.trim()) ?? ALL
  return wanted.filter((n): n is BackendName => (ALL as readonly string[]).includes(n))
}

/**
 * Does the backend's cancel reach a process tree it did not see escape? Execa 9 (the major this project's
 * Node 20 can run) signals the root pid alone, so the shared suite's tree cases do not apply to it; its
 * failure on each of them is pinned in peers.test.ts instead.
 */
export function killsTrees(name: BackendName): boolean {
  return name !== "execa"
}

export function api(name: BackendName): ProcessApi {
  return createProcess({ backend: name })
}

/** Hang guard for every test: generous, never a timing assertion. */
export const GUARD = { timeout: 20_000 }

/** Resolves to "pending" if `p` has not settled within `ms`. */
export async function settledWithin<T>(p: Promise<T>, ms: number): Promise<{ value: T } | "pending"> {
  let timer: NodeJS.Timeout | undefined
  const pending = new Promise<"pending">((resolve) => (timer = setTimeout(() => resolve("pending"), ms)))
  try {
    return await Promise.race([p.then((value) => ({ value })), pending])
  } finally {
    clearTimeout(timer)
  }
}
