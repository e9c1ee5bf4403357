import type { SupervisorChild } from "./child.js"

/**
 * Live roots of every sidecar in this process, by pid: the Process backend's and each Effect layer's
 * (@pawwork/process/effect). terminateTree({ pid }) looks here first, so a tree started through the
 * layer is ended by the layer's own sidecar with the cancel ladder, which reaches members that left the
 * root's descendants (a setsid() daemon re-parented to that sidecar). Another sidecar's `terminate` walks
 * parent links from the root and cannot see such members. An entry goes when its tree is gone.
 */
const roots: Map<number, SupervisorChild> = shared()

/**
 * One registry per process, not per copy of this module: an app that loads the package both ways (`import`
 * and `require`, the ESM and the CommonJS build) has two copies of every module, and a tree started through
 * one copy's layer must still be found by the other copy's terminateTree.
 */
function shared(): Map<number, SupervisorChild> {
  const key = Symbol.for("@pawwork/process/live-roots")
  const holder = globalThis as { [k: symbol]: Map<number, SupervisorChild> | undefined }
  return (holder[key] ??= new Map())
}

export function registerRoot(child: SupervisorChild): void {
  const add = (pid: number | undefined) => {
    if (pid === undefined) return
    roots.set(pid, child)
    const drop = () => {
      if (roots.get(pid) === child) roots.delete(pid)
    }
    // Not at the outcome: a tree kept after its exit (`leftovers: "keep"`) is ended through here too.
    void child.treeGone.then(drop)
  }
  // At once when spawn() returned with the pid, so terminateTree({ pid: child.pid }) on the next line finds it.
  if (child.pid !== undefined) add(child.pid)
  else void child.spawned.then(add)
}

export function liveRoot(pid: number): SupervisorChild | undefined {
  return roots.get(pid)
}
