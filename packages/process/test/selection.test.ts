import assert from "node:assert/strict"
import { execFile } from "node:child_process"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, test } from "node:test"
import { createProcess, type BackendName } from "../src/index.js"
import { GUARD } from "./support/backends.js"

const indexJs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../src/index.js")

function defaultBackendUnder(value: string): Promise<string> {
  const script = `
    import { Process } from ${JSON.stringify(indexJs)}
    try { console.log(Process.backend()) } catch (e) { console.log(e.message) }
  `
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--input-type=module", "-e", script],
      { env: { ...process.env, PAWWORK_PROCESS_BACKEND: value }, timeout: 15_000 },
      (err, stdout) => (err ? reject(err) : resolve(stdout.trim())),
    )
  })
}

describe("backend selection", () => {
  test("createProcess builds each of the four backends by name", () => {
    for (const name of ["baseline", "supervisor", "execa", "tree-kill"] as BackendName[]) {
      assert.equal(createProcess({ backend: name }).backend, name)
    }
    assert.throws(() => createProcess({ backend: "nope" as BackendName }), /expected one of .*"execa", "tree-kill"/)
  })

  test("PAWWORK_PROCESS_BACKEND names an engine only: execa and tree-kill are refused", GUARD, async () => {
    for (const peer of ["execa", "tree-kill"]) {
      assert.match(await defaultBackendUnder(peer), /is not a process backend.*createProcess only/)
    }
    assert.equal(await defaultBackendUnder("supervisor"), "supervisor")
  })
})
