import { performance } from "node:perf_hooks"
import { setTimeout as sleep } from "node:timers/promises"

export const now = (): number => performance.now()
export { sleep }

/** The client runtime's own CPU time (user + system) in ms since `from` (a previous process.cpuUsage()). */
export function clientCpuMs(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from)
  return (d.user + d.system) / 1000
}

/** Polls `check` every `everyMs` until it is true or `limitMs` passed; returns whether it became true. */
export async function waitUntil(check: () => boolean, limitMs: number, everyMs = 5): Promise<boolean> {
  const end = now() + limitMs
  while (!check()) {
    if (now() > end) return false
    await sleep(everyMs)
  }
  return true
}

/** Waits for `p` but at most `ms` (a hang guard); the timer is cleared so it never keeps Node alive. */
export async function atMost<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const limit = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms)
  })
  try {
    return await Promise.race([p, limit])
  } finally {
    clearTimeout(timer)
  }
}
