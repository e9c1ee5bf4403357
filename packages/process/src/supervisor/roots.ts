import type { SupervisorChild } from "./child.js"
import { startOnLinux } from "./exited-linux.js"

/**
 * Live roots of every sidecar in this process, by pid: the Process backend's and each Effect layer's
 * (@pawwork/process/effect). terminateTree({ pid }) looks here first, so a tree started through the
 * layer is ended by the layer's own sidecar with the cancel ladder, which reaches members that left the
 * root's descendants (a setsid() daemon re-parented to that sidecar). Another sidecar's `terminate` walks
 * parent links from the root and cannot see such members. An entry goes when its tree is gone, which can
 * be long after its root exited (a kept tree) or, on a busy machine, after its pid went to another process:
 * liveRoot() tells the two apart.
 */
interface Root {
  child: SupervisorChild
  /** The root's start time where the platform tells it (Linux), read when it was registered. */
  start: string | null
}
const roots: Map<number, Root> = shared()

/**
 * One registry per process, not per copy of this module: an app that loads the package both ways (`import`
 * and `require`, the ESM and the CommonJS build) has two copies of every module, and a tree started through
 * one copy's layer must still be found by the other copy's terminateTree.
 */
function shared(): Map<number, Root> {
  // The entry's shape is part of the key: a copy of an older build shares no registry with this one.
  const key = Symbol.for("@pawwork/process/live-roots/2")
  const holder = globalThis as { [k: symbol]: Map<number, Root> | undefined }
  return (holder[key] ??= new Map())
}

export function registerRoot(child: SupervisorChild): void {
  const add = (pid: number | undefined) => {
    if (pid === undefined) return
    roots.set(pid, { child, start: startOnLinux(pid) })
    const drop = () => {
      if (roots.get(pid)?.child === child) roots.delete(pid)
    }
    // Not at the outcome: a tree kept after its exit (`leftovers: "keep"`) is ended through here too.
    void child.treeGone.then(drop)
  }
  // At once when spawn() returned with the pid, so terminateTree({ pid: child.pid }) on the next line finds it.
  if (child.pid !== undefined) add(child.pid)
  else void child.spawned.then(add)
}

/**
 * The child whose root is `pid`, if that pid is still its root's. Where start times can be read (Linux), a
 * process at the pid that started at another time is another process: the root exited, was reaped, and its
 * pid came round again before the tree's end reached this process. A root with nothing at its pid is still
 * found (its kept tree is ended through it), and so is a root its sidecar has not reaped yet (same start).
 * Elsewhere the pid is believed.
 */
export function liveRoot(pid: number): SupervisorChild | undefined {
  const root = roots.get(pid)
  if (!root) return undefined
  const now = root.start === null ? null : startOnLinux(pid)
  return now !== null && now !== root.start ? undefined : root.child
}
