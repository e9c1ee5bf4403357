// The registry terminateTree({ pid }) consults first (src/supervisor/roots.ts): a pid is a supervised root's
// only while no other process holds it. On a busy machine pids come round again within seconds (pid_max is
// 32768 on many kernels), and a foreign tree whose root got the pid of a supervised root that had exited was
// taken for that root: terminateTree cancelled the old child and left the foreign tree running.
import assert from "node:assert/strict"
import { spawn, type ChildProcess } from "node:child_process"
import { once } from "node:events"
import { after, describe, test } from "node:test"
import type { SupervisorChild } from "../../src/supervisor/child.js"
import { liveRoot, registerRoot } from "../../src/supervisor/roots.js"

const linux = process.platform === "linux" ? false : "start times are read from /proc (Linux only)"

const running: ChildProcess[] = []
after(() => {
  for (const p of running) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL")
})

/** A real process of this test's own, to stand at a pid. */
async function sleeper(): Promise<ChildProcess> {
  const p = spawn("sleep", ["30"], { stdio: "ignore" })
  running.push(p)
  await once(p, "spawn")
  return p
}

/** Stands in for a supervisor child: the members the registry reads. Its tree never goes (a kept tree). */
function child(pid: number): SupervisorChild {
  return { pid, spawned: Promise.resolve(pid), treeGone: new Promise<void>(() => undefined) } as unknown as SupervisorChild
}

/** The registry itself, to give an entry the start time a later process at its pid would not have. */
function registry(): Map<number, { child: SupervisorChild; start: string | null }> {
  return (globalThis as Record<symbol, Map<number, { child: SupervisorChild; start: string | null }>>)[Symbol.for("@pawwork/process/live-roots/2")]!
}

describe("liveRoot: a registered pid is a root's only while no other process holds it", { skip: linux }, () => {
  test("a running root is found by its pid", async () => {
    const p = await sleeper()
    const c = child(p.pid!)
    registerRoot(c)
    assert.equal(liveRoot(p.pid!), c)
  })

  test("a root with nothing left at its pid is still found: its kept tree is ended through it", async () => {
    const p = await sleeper()
    const c = child(p.pid!)
    registerRoot(c)
    p.kill("SIGKILL")
    await once(p, "exit")
    assert.equal(liveRoot(p.pid!), c)
  })

  test("a pid held by a process that started at another time than the root is not the root's", async () => {
    // A pid that came round cannot be made to order here: what it looks like is a start time that differs
    // from the one registered, so the registered one is made to differ.
    const p = await sleeper()
    const c = child(p.pid!)
    registerRoot(c)
    assert.notEqual(registry().get(p.pid!)?.start, null, "the start time was read at registration")
    registry().set(p.pid!, { child: c, start: "1" })
    assert.equal(liveRoot(p.pid!), undefined)
  })
})
