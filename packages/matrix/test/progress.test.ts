import assert from "node:assert/strict"
import { test } from "node:test"
import { createProgress } from "../src/progress.js"
import { summarizeCell } from "../src/stats.js"
import { record } from "./helpers/synthetic.js"

/** A stream that keeps what the progress wrote (not a terminal: one plain line per finished cell). */
function sink(): NodeJS.WritableStream & { text: () => string } {
  let text = ""
  return Object.assign(Object.create(process.stdout) as NodeJS.WritableStream, {
    isTTY: false,
    write: (s: string) => ((text += s), true),
    text: () => text,
  })
}

const cell = (scenario: string, runs: number) =>
  summarizeCell({ scenario, backend: "supervisor", runtime: "node", control: false, expected: "pass", records: Array.from({ length: runs }, (_, i) => record(i)) })

test("each finished cell's line carries an ETA for the whole run, earlier parts (other runtimes) counted", () => {
  const out = sink()
  // Half of the run is behind: 4 runs measured in 60 s by an earlier runtime, 8 runs planned in all.
  const p = createProgress({ scenarios: ["a", "b"], backends: ["supervisor"], runs: 2, out, overall: { runsBefore: 4, measuredBefore: 4, msBefore: 60_000, runsTotal: 8 } })
  p.cellStart("a", "supervisor", 2)
  for (const r of [record(0), record(1)]) p.runDone("a", "supervisor", r)
  p.cellDone(cell("a", 2))
  // The time is the whole run's (60 s before this part); 6 runs measured in about 60 s: the 2 left take about 20 s.
  assert.match(out.text(), /^\[1\/2\] a +supervisor +2\/2 passed {2}1m0\ds, ETA 0m(19|20|21)s\n$/)
  p.cellStart("b", "supervisor", 0)
  p.cellDone(summarizeCell({ scenario: "b", backend: "supervisor", runtime: "node", control: false, expected: "pass", records: [], notRun: { count: 2, reason: "not here" } }))
  p.finish()
  assert.match(out.text(), /\[2\/2\] b +supervisor +not run: not here\n4\/4 runs, 0 failed, 1m0\ds\n$/)
})

test("before any run is measured the ETA is unknown, and a finished run says 0", () => {
  const out2 = sink()
  const q = createProgress({ scenarios: ["a", "b"], backends: ["supervisor"], runs: 1, out: out2 })
  q.cellStart("a", "supervisor", 0)
  q.cellStart("b", "supervisor", 1)
  q.runDone("b", "supervisor", record(0))
  q.cellDone(cell("b", 1))
  assert.match(out2.text(), /ETA 0m00s\n$/)
  // Nothing measured yet, runs left: no figure is made up.
  const out3 = sink()
  const u = createProgress({ scenarios: ["a", "b"], backends: ["supervisor"], runs: 1, out: out3 })
  u.cellStart("a", "supervisor", 0)
  u.cellStart("b", "supervisor", 1)
  u.cellDone(cell("a", 1))
  assert.match(out3.text(), /ETA unknown\n$/)
})
