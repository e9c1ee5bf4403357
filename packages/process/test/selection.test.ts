import assert from "node:assert/strict"
import { execFile } from "node:child_process"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, test } from "node:test"
import { createProcess, InvalidBackendFlagError, parseBackendFlag, type EngineName } from "../src/index.js"
import { GUARD } from "./support/backends.js"

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../src")
const indexJs = path.join(dist, "index.js")
const effectJs = path.join(dist, "effect", "index.js")

/** Runs `body` in a fresh Node process under PAWWORK_PROCESS_BACKEND=value and returns what it printed. */
function under(value: string | undefined, body: string): Promise<string> {
  const env = { ...process.env }
  if (value === undefined) delete env.PAWWORK_PROCESS_BACKEND
  else env.PAWWORK_PROCESS_BACKEND = value
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--input-type=module", "-e", body], { env, timeout: 15_000 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout.trim()),
    )
  })
}

/** What each path makes of the flag in one process: Process.backend(), then the Effect layer from the flag. */
const BOTH_PATHS = `
  import { Process } from ${JSON.stringify(indexJs)}
  import { layerFromFlag, SupervisorSpawner } from ${JSON.stringify(effectJs)}
  const baseline = SupervisorSpawner.layer({ supervisorPath: "/baseline-stand-in" })
  const report = (f) => { try { return f() } catch (e) { return e.name + ": " + e.message } }
  console.log(JSON.stringify({
    process: report(() => Process.backend()),
    effect: report(() => (layerFromFlag(baseline) === baseline ? "baseline" : "supervisor")),
  }))
`

describe("backend selection", () => {
  test("createProcess builds each engine by name and refuses anything else, the comparison peers included", () => {
    for (const name of ["baseline", "supervisor"] as EngineName[]) {
      assert.equal(createProcess({ backend: name }).backend, name)
    }
    for (const other of ["nope", "execa", "tree-kill"]) {
      assert.throws(() => createProcess({ backend: other as EngineName }), /expected one of "baseline", "supervisor"/)
    }
  })

  test("parseBackendFlag: unset or empty is baseline; a peer or a typo is InvalidBackendFlagError", () => {
    assert.equal(parseBackendFlag(undefined), "baseline")
    assert.equal(parseBackendFlag(""), "baseline")
    assert.equal(parseBackendFlag("supervisor"), "supervisor")
    for (const bad of ["execa", "tree-kill", "Supervisor", "supervisor "]) {
      assert.throws(() => parseBackendFlag(bad), (err: Error) => {
        assert.ok(err instanceof InvalidBackendFlagError)
        assert.equal(err.value, bad)
        assert.match(err.message, /PAWWORK_PROCESS_BACKEND=".*" is not a process backend: use "baseline" or "supervisor"/)
        return true
      })
    }
  })

  test("the Process namespace and the Effect layer follow one flag: the same engine, the same error", GUARD, async () => {
    assert.deepEqual(JSON.parse(await under(undefined, BOTH_PATHS)), { process: "baseline", effect: "baseline" })
    assert.deepEqual(JSON.parse(await under("baseline", BOTH_PATHS)), { process: "baseline", effect: "baseline" })
    assert.deepEqual(JSON.parse(await under("supervisor", BOTH_PATHS)), { process: "supervisor", effect: "supervisor" })
    for (const bad of ["execa", "tree-kill", "supervsior"]) {
      const got = JSON.parse(await under(bad, BOTH_PATHS)) as { process: string; effect: string }
      assert.match(got.process, new RegExp(`^InvalidBackendFlagError: PAWWORK_PROCESS_BACKEND="${bad}" is not a process backend`))
      assert.equal(got.effect, got.process, "both paths fail with the same error")
    }
  })

  test("the flag is read once: a later change of process.env does not move either path", GUARD, async () => {
    const body = `
      import { Process, processBackend } from ${JSON.stringify(indexJs)}
      const first = processBackend()
      process.env.PAWWORK_PROCESS_BACKEND = "baseline"
      console.log(JSON.stringify([first, processBackend(), Process.backend()]))
    `
    assert.deepEqual(JSON.parse(await under("supervisor", body)), ["supervisor", "supervisor", "supervisor"])
  })
})
