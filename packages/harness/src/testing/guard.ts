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
