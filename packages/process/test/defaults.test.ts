import assert from "node:assert/strict"
import { test } from "node:test"
import { createProcess } from "../src/create.js"
import { ABORT_GRACE_MS, spawnSettings, spawnFailedOutcome } from "../src/defaults.js"
import { spawnRequest } from "../src/supervisor/request.js"

/* The one place every backend's spawn takes its defaults and checks from (src/defaults.ts). */

test("defaults: the abort grace, SIGTERM and ignored stdio; a negative grace is none", () => {
  const s = spawnSettings(["true"], {})
  assert.deepEqual(s, { cmd: ["true"], abortGraceMs: ABORT_GRACE_MS, killSignal: "SIGTERM", stdio: ["ignore", "ignore", "ignore"] })
  assert.equal(ABORT_GRACE_MS, 5_000)
  assert.equal(spawnSettings(["true"], { timeout: -5 }).abortGraceMs, 0)
})

test("both engines refuse an empty command and an already-aborted signal before starting anything", () => {
  const aborted = AbortSignal.abort(new Error("given up"))
  for (const backend of ["baseline", "supervisor"] as const) {
    // The supervisor's sidecar is never started: the checks come first.
    const api = createProcess({ backend, supervisorPath: "/nonexistent/pawwork-supervisor" })
    assert.throws(() => api.spawn([]), /Command is required/, backend)
    assert.throws(() => api.spawn(["true"], { abort: aborted }), /given up/, backend)
  }
})

test("the API's names reach the protocol translated from the settings (the peers' in packages/peers)", () => {
  const opts = { kill: "SIGINT" as const, timeout: 250, stdout: "pipe" as const }
  const settings = spawnSettings(["prog"], opts)
  const req = spawnRequest("c1", settings, opts)
  assert.deepEqual(req.ladder, { signal: "SIGINT", grace_ms: 250 })
  assert.deepEqual([req.stdin, req.stdout, req.stderr], ["ignore", "pipe", "ignore"])
})

test("a spawn failure's outcome is a fresh object each time (no caller can mutate another's)", () => {
  const a = spawnFailedOutcome()
  a.killedPids.push(1)
  assert.deepEqual(spawnFailedOutcome().killedPids, [])
  assert.equal(spawnFailedOutcome().reason, "spawn_failed")
})
