import assert from "node:assert/strict"
import { test } from "node:test"
import { containmentOf } from "../src/containment.js"
import { runAsLine } from "../src/report/markdown.js"
import { syntheticResults } from "./helpers/synthetic.js"

test("a child's /proc/self/cgroup reads as the containment it shows", () => {
  assert.equal(containmentOf("0::/system.slice/pawwork-supervisor-4242/t-7\n"), "cgroup")
  assert.equal(containmentOf("0::/user.slice/user-1000.slice/session-3.scope\n"), "fallback")
  // A hybrid hierarchy lists v1 controllers first; only the v2 line counts.
  assert.equal(containmentOf("12:pids:/pawwork-supervisor-1\n0::/init.scope\n"), "fallback")
  assert.equal(containmentOf("12:pids:/x\n"), "unknown")
})

test("the report says who ran it and the containment its supervisor cells saw; older files say nothing", () => {
  const r = syntheticResults(2)
  assert.equal(runAsLine(r), "")
  r.run_as = { user: "pawwork-ci", uid: 1001 }
  const sup = r.cells.filter((c) => c.backend === "supervisor")
  for (const c of sup) c.containment = "fallback"
  sup[0]!.containment = "cgroup"
  assert.equal(
    runAsLine(r),
    "- Ran as `pawwork-ci` (uid 1001); the supervisor's containment, seen at the start of each of its cells by a child " +
      `reading its own \`/proc/self/cgroup\`: a cgroup v2 per tree in 1, the fallback (process groups, subreaper, environment marker) in ${sup.length - 1} of ${sup.length} cells.\n`,
  )
  r.run_as = { user: "root", uid: 0 }
  assert.match(runAsLine(r), /^- Ran as `root` \(uid 0, root: PawWork runs as an ordinary user/)
})
