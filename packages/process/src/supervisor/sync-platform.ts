import { exitedOnLinux } from "./exited-linux.js"
import type { SyncPlan } from "./sync-channel.js"
import { fifoPlan } from "./sync-fifo.js"
import { pipePlan } from "./sync-pipe-windows.js"

/** Whether the sidecar is known to be gone, asked while the client blocks for it. */
export type SyncExited = () => boolean

/** The spawn channel of the platform: FIFOs on Unix, a named pipe on Windows. */
export function syncPlan(): SyncPlan {
  return process.platform === "win32" ? pipePlan() : fifoPlan()
}

/**
 * Whether the child `pid` (undefined: it never started) is known to have exited. Only Linux can tell
 * synchronously; elsewhere a sidecar that died at start is found by the start deadline.
 */
export function knownExited(pid: number | undefined): boolean {
  if (pid === undefined) return true
  return process.platform === "linux" && exitedOnLinux(pid)
}
