import assert from "node:assert/strict"
import { test } from "node:test"
import { createProcess, type EngineName } from "@pawwork/process"
import { spawnSettings } from "@pawwork/process/backend-kit"
import { createPeer, execaOptions, PEERS, type PeerName } from "../src/index.js"

test("createPeer builds each peer by name and refuses the engines (they are @pawwork/process's)", () => {
  for (const name of PEERS) assert.equal(createPeer({ backend: name }).backend, name)
  for (const other of ["baseline", "supervisor", "effect"]) {
    assert.throws(() => createPeer({ backend: other as PeerName }), /unknown comparison peer .*expected one of "execa", "tree-kill"/)
  }
})

test("@pawwork/process knows nothing of the peers: createProcess refuses their names", () => {
  for (const name of PEERS) assert.throws(() => createProcess({ backend: name as unknown as EngineName }), /expected one of "baseline", "supervisor"/)
})

test("both peers refuse an empty command and an already-aborted signal before starting anything", () => {
  const aborted = AbortSignal.abort(new Error("given up"))
  for (const name of PEERS) {
    const api = createPeer({ backend: name })
    assert.throws(() => api.spawn([]), /Command is required/, name)
    assert.throws(() => api.spawn(["true"], { abort: aborted }), /given up/, name)
  }
})

test("execa gets the Process API's kill signal and grace translated from the same settings as the engines", () => {
  const opts = { kill: "SIGINT" as const, timeout: 250, stdout: "pipe" as const }
  const ex = execaOptions(opts, spawnSettings(["prog"], opts))
  assert.equal(ex.forceKillAfterDelay, 250)
  assert.equal(ex.killSignal, "SIGINT")
  assert.equal(ex.killDescendants, true, "execa's tree option")
  assert.equal(ex.cleanup, true)
  assert.deepEqual([ex.stdin, ex.stdout, ex.stderr], ["ignore", "pipe", "ignore"])
})
