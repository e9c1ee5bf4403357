// Node 24 deprecates, at run time, passing arguments to a child process with `shell: true` (DEP0190: they
// are concatenated, not escaped). PawWork's own utility does exactly that through cross-spawn, and the
// baseline reproduces it as it is; the supervisor builds the shell's command line itself and hands the
// sidecar an argv, so a desktop app on Node 24 logs no such warning from it. Node warns once per process
// and code, so the supervisor's call comes first here.
import assert from "node:assert/strict"
import { after, test } from "node:test"
import { api, GUARD } from "../support/backends.js"

const warnings: { code: string | undefined; message: string }[] = []
const onWarning = (w: Error & { code?: string }) => warnings.push({ code: w.code, message: w.message })
process.on("warning", onWarning)
after(() => process.off("warning", onWarning))

const supervisor = api("supervisor")
after(() => supervisor.shutdown())

/** Lets warnings emitted during the call (Node emits them on the next tick) arrive. */
const drained = () => new Promise((resolve) => setTimeout(resolve, 50))

const nodeMajor = process.versions.bun ? null : Number((process.versions.node ?? "0").split(".")[0])

test("shell with arguments: the supervisor raises no deprecation warning; the baseline raises DEP0190 from Node 24 on", GUARD, async () => {
  const cmd = ["echo", "$PAWWORK_DEP_VAR"]
  const opts = { shell: true, env: { PAWWORK_DEP_VAR: "hi" } } as const
  assert.equal((await supervisor.text(cmd, opts)).text, "hi\n")
  await drained()
  assert.deepEqual(warnings.filter((w) => w.code?.startsWith("DEP")), [], "the supervisor's shell path")
  assert.equal((await api("baseline").text(cmd, opts)).text, "hi\n")
  await drained()
  const dep0190 = warnings.filter((w) => w.code === "DEP0190")
  if (nodeMajor !== null && nodeMajor >= 24) assert.equal(dep0190.length, 1, "PawWork's cross-spawn call, as Node 24 sees it")
  else if (nodeMajor !== null) assert.deepEqual(dep0190, [], `Node ${nodeMajor} has no DEP0190 at run time`)
})
