// What a consumer does with the installed package, written once and loaded by both entry points
// (consumer-esm.mjs imports the package, consumer-cjs.cjs requires it): Process.run, a spawn + abort of a
// tree, terminateTree of a tree started elsewhere, and the Effect layer the flag picks. Prints one JSON
// line with what it saw; the judgement is the test's (packed-install.test.mjs).
"use strict"
const { spawn } = require("node:child_process")
const { readlinkSync, realpathSync } = require("node:fs")

/** A tree of Node processes: a root and two children that idle; prints the children's pids, then idles. */
const TREE = `
  const { spawn } = require("node:child_process")
  const kids = [0, 1].map(() => spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" }))
  console.log(JSON.stringify(kids.map((k) => k.pid)))
  setInterval(() => {}, 1000)
`

const alive = (pid) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return err.code === "EPERM"
  }
}

async function goneWithin(pids, ms) {
  const deadline = Date.now() + ms
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25))
  return pids.filter(alive)
}

function firstLine(stream) {
  return new Promise((resolve, reject) => {
    let text = ""
    stream.on("data", (c) => {
      text += c
      const nl = text.indexOf("\n")
      if (nl >= 0) resolve(text.slice(0, nl))
    })
    stream.once("end", () => reject(new Error(`stream ended before a line: ${JSON.stringify(text)}`)))
  })
}

/** The sidecar's executable, as the OS names it (Linux: /proc; elsewhere the lookup's answer is all there is). */
function exeOf(pid) {
  if (process.platform !== "linux") return null
  return readlinkSync(`/proc/${pid}/exe`)
}

module.exports = async function checks({ api, effect, Effect, ChildProcess, ChildProcessSpawner }) {
  const seen = {}
  seen.location = api.supervisorLocation()
  seen.backend = api.Process.backend()
  const run = await api.Process.run([process.execPath, "-e", "process.stdout.write('run-ok')"])
  seen.run = run.stdout.toString()

  const sup = api.createProcess({ backend: "supervisor" })
  const abort = new AbortController()
  const child = sup.spawn([process.execPath, "-e", TREE], { stdout: "pipe", abort: abort.signal, timeout: 500 })
  const kids = JSON.parse(await firstLine(child.stdout))
  seen.sidecarExe = exeOf(sup.sidecarPid)
  seen.treeAliveBefore = [child.pid, ...kids].filter(alive).length
  abort.abort()
  seen.abortOutcome = (await child.outcome).reason
  seen.treeLeftAfterAbort = await goneWithin([child.pid, ...kids], 5000)

  const foreign = spawn(process.execPath, ["-e", TREE], { stdio: ["ignore", "pipe", "ignore"], detached: true })
  const foreignKids = JSON.parse(await firstLine(foreign.stdout))
  await sup.terminateTree({ pid: foreign.pid, graceMs: 500 })
  seen.foreignLeft = await goneWithin([foreign.pid, ...foreignKids], 5000)
  await sup.shutdown()

  const standIn = effect.SupervisorSpawner.layer({ supervisorPath: "/nonexistent/baseline-stand-in" })
  const layer = effect.layerFromFlag(standIn)
  seen.effectLayerFollowsFlag = layer === standIn ? "baseline" : "supervisor"
  const program = Effect.gen(function* () {
    const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
    return yield* spawner.string(ChildProcess.make(process.execPath, ["-e", "process.stdout.write('effect-ok')"]))
  })
  seen.effect = await Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(layer)))
  await api.Process.shutdown()
  seen.realLocation = realpathSync(seen.location.path)
  console.log(JSON.stringify(seen))
}
