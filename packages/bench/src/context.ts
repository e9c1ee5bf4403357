import type { Sizes } from "./config.js"
import type { Binaries } from "./paths.js"

/** What every measurement gets: sizes, binaries and a progress line printer. */
export interface Context {
  sizes: Sizes
  bins: Binaries
  /** The trivial command of every round trip: the fixture's `exit --code 0` (one exec, no work). */
  trivial: string[]
  log(message: string): void
  /** Things a reader of the report must know about this run (e.g. a sidecar restarted). */
  notes: string[]
}

export function trivialCommand(bins: Binaries): string[] {
  return [bins.fixture, "exit", "--code", "0"]
}
