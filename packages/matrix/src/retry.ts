import type { FlakeEntry } from "./flakes.js"
import type { Attempt, RunRecord } from "./types.js"

/**
 * One run of a cell, with the retries the flakes register allows for it.
 * `attempt(k)` performs attempt k (0 is the run itself) from scratch. Without
 * a register entry a failure stands as it is: only registered cells are ever
 * retried. With one, a failed run is tried again up to `flake.retries` times;
 * a passing retry makes the run flaky (never passed), and when every retry
 * fails the run stays failed. The returned record keeps the first attempt's
 * measurements and reason, so the report shows the symptom that was retried.
 */
export async function runWithRetries(attempt: (k: number) => Promise<RunRecord>, flake: FlakeEntry | null): Promise<RunRecord> {
  const first = await attempt(0)
  const record: RunRecord = { ...first, flaky: null, retries: [] }
  // A run that did not exercise its scenario did not fail: there is nothing for a flake entry to retry.
  if (first.passed || flake === null || first.not_exercised != null) return record
  for (let k = 1; k <= flake.retries; k++) {
    const again = await attempt(k)
    record.retries.push(toAttempt(again))
    if (again.passed) {
      record.flaky = flake.id
      break
    }
  }
  return record
}

function toAttempt(r: RunRecord): Attempt {
  return { passed: r.passed, reason: r.reason, detail: r.detail, leaked_pids: r.leaked_pids, duration_ms: r.duration_ms }
}
