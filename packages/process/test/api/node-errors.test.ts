import assert from "node:assert/strict"
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { after, describe, test } from "node:test"
import { createProcess, type Child, type Options } from "../../src/index.js"
import { GUARD } from "../support/backends.js"
import { fixture } from "../support/binaries.js"

/*
 * A spawn that fails reads the same on both engines, as Node (or Bun) shapes it on the baseline: thrown
 * from spawn() or emitted, with the same `code`, `errno` and `syscall`, and for an emitted one the same
 * `path` and `spawnargs`. Each case runs on the baseline first and the supervisor must match what it got,
 * so the runtime's own behaviour (Node's or Bun's) is the reference, never a copy of it in this file.
 */
const baseline = createProcess({ backend: "baseline" })
const supervisor = createProcess({ backend: "supervisor" })
after(() => supervisor.shutdown())

const dir = mkdtempSync(path.join(os.tmpdir(), "pawwork-node-errors-"))
const aFile = path.join(dir, "a-file")
writeFileSync(aFile, "not a directory")
const notExecutable = path.join(dir, "not-executable")
writeFileSync(notExecutable, "#!/bin/sh\necho hi\n")
chmodSync(notExecutable, 0o644)

interface Failure {
  how: "thrown" | "emitted"
  name: string
  code: unknown
  errno: unknown
  syscall: unknown
  path?: unknown
  spawnargs?: unknown
}

function shape(err: NodeJS.ErrnoException & { spawnargs?: string[] }, how: Failure["how"]): Failure {
  const base: Failure = { how, name: err.name === "TypeError" ? "TypeError" : "Error", code: err.code, errno: err.errno, syscall: err.syscall }
  return how === "emitted" ? { ...base, path: err.path, spawnargs: err.spawnargs } : base
}

/** How a spawn fails on `proc`: what spawn() threw, or what the child emitted and `exited` rejected with. */
async function failureOf(proc: ReturnType<typeof createProcess>, cmd: string[], opts: Options = {}): Promise<Failure> {
  let child: Child
  try {
    child = proc.spawn(cmd, opts)
  } catch (err) {
    return shape(err as NodeJS.ErrnoException, "thrown")
  }
  assert.equal(child.pid, undefined, "a failed spawn has no pid")
  const emitted = new Promise<NodeJS.ErrnoException>((resolve) => child.once("error", resolve))
  const rejected = await child.exited.then(() => assert.fail("exited should reject"), (e: NodeJS.ErrnoException) => e)
  const err = await emitted
  assert.equal(rejected, err, "exited rejects with the emitted error")
  return shape(err, "emitted")
}

const sleep = fixture(null, "sleep", "--ms", "1")
const cases: Array<[string, string[], Options]> = [
  ["a missing command", ["pawwork-node-errors-no-such-command", "an-arg"], {}],
  ["a missing cwd", sleep, { cwd: path.join(dir, "missing") }],
  ["a file as cwd", sleep, { cwd: aFile }],
  ["a file without the execute bit (permission denied)", [notExecutable, "x"], {}],
  ["a directory as the command (permission denied)", [dir], {}],
  ["a NUL byte in the command", ["pawwork\0x"], {}],
  ["a NUL byte in an argument", [...sleep, "a\0b"], {}],
  ["a NUL byte in an environment value", sleep, { env: { PAWWORK_NUL: "x\0y" } }],
  ["a NUL byte in an environment name", sleep, { env: { "PAWWORK\0NUL": "x" } }],
  ["a NUL byte in the cwd", sleep, { cwd: `${dir}\0x` }],
]

describe("spawn failures read the same on both engines", () => {
  for (const [what, cmd, opts] of cases) {
    test(what, GUARD, async () => {
      const expected = await failureOf(baseline, cmd, opts)
      const got = await failureOf(supervisor, cmd, opts)
      assert.deepEqual(got, expected)
    })
  }

  test("the supervisor's own account of a failure is kept in `cause`", GUARD, async () => {
    const child = supervisor.spawn(["pawwork-node-errors-no-such-command"])
    const err: Error = await child.exited.then(() => assert.fail("exited should reject"), (e: Error) => e)
    const cause = err.cause as { name?: string; code?: string; message?: string } | undefined
    assert.equal(cause?.name, "SupervisorRequestError")
    assert.equal(cause?.code, "spawn_failed")
    assert.match(cause?.message ?? "", /pawwork-node-errors-no-such-command/)
  })
})

/*
 * What still differs (docs/reference/adoption.md lists these): each asserted as it is, per runtime, so a change
 * on either side fails here and the list is updated with it.
 */
describe("spawn failures that still differ between the engines", () => {
  const underBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined"

  test("a non-executable file found on PATH: EACCES on the supervisor (execvp's rule); Node says so too, Bun ENOENT", GUARD, async () => {
    const opts = { env: { PATH: dir } }
    const cmd = [path.basename(notExecutable)]
    assert.equal((await failureOf(supervisor, cmd, opts)).code, "EACCES")
    assert.equal((await failureOf(baseline, cmd, opts)).code, underBun ? "ENOENT" : "EACCES")
  })

  test("a file as cwd, thrown: Bun's own error names the file in `path`, the supervisor's (like Node's) has none", GUARD, async () => {
    const thrownPath = (proc: ReturnType<typeof createProcess>) => {
      try {
        proc.spawn(sleep, { cwd: aFile })
      } catch (err) {
        return (err as NodeJS.ErrnoException).path
      }
      assert.fail("spawn() should throw for a file as cwd")
    }
    assert.equal(thrownPath(supervisor), undefined)
    assert.equal(thrownPath(baseline), underBun ? sleep[0] : undefined)
  })

  test("an environment name with '=': the baseline passes it on, the supervisor refuses it (invalid_env)", GUARD, async () => {
    const opts = { env: { "PAWWORK_A=B": "x" } }
    const ran = await baseline.run(fixture(null, "exit", "--code", "0"), opts)
    assert.equal(ran.code, 0)
    const refused = await failureOf(supervisor, fixture(null, "exit", "--code", "0"), opts)
    assert.deepEqual([refused.how, refused.code], ["emitted", "invalid_env"])
  })
})
