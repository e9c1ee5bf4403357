import { makeRunner } from "../run.js"
import type { Child, Options, ProcessApi, SupervisedChild } from "../types.js"
import { SupervisorChild } from "./child.js"
import { locateSupervisor } from "./locate.js"
import { spawnRequest } from "./request.js"
import { Sidecar } from "./sidecar.js"

export { locateSupervisor } from "./locate.js"
export { shellArgv } from "./request.js"

export interface SupervisorOptions {
  supervisorPath?: string
}

/**
 * The supervisor backend: one shared sidecar per backend object, started on the first spawn and again
 * after it died. `detached` is ignored: the sidecar makes every child lead its own group anyway.
 */
export function createSupervisor(options: SupervisorOptions = {}): ProcessApi {
  let sidecar: Sidecar | null = null
  let counter = 0
  const prefix = `c${process.pid}-${Date.now().toString(36)}`

  function current(): Sidecar {
    if (sidecar?.alive) return sidecar
    // Resolved per start, so a binary built meanwhile is picked up; a missing one throws here, in spawn().
    const binary = locateSupervisor(options.supervisorPath)
    const started: Sidecar = new Sidecar(binary, (dead) => {
      if (sidecar === dead) sidecar = null
    })
    sidecar = started
    return started
  }

  function spawn(cmd: string[], opts: Options = {}): SupervisedChild {
    if (cmd.length === 0) throw new Error("Command is required")
    opts.abort?.throwIfAborted()
    const id = `${prefix}-${++counter}`
    const request = spawnRequest(id, cmd, opts)
    const host = current()
    host.hold()

    const abort = () => child.abort()
    const child: SupervisorChild = new SupervisorChild(id, cmd, opts, host.ready, () => {
      opts.abort?.removeEventListener("abort", abort)
      host.release()
    })
    host.ready.then(
      (conn) => child.start(conn, request),
      (err: Error) => child.fail(err),
    )
    if (opts.abort) {
      opts.abort.addEventListener("abort", abort, { once: true })
      if (opts.abort.aborted) abort()
    }
    return child
  }

  async function stop(child: Child): Promise<void> {
    if (!(child instanceof SupervisorChild)) throw new TypeError("stop(): not a child of the supervisor backend")
    await child.cancel({ signal: "SIGTERM", graceMs: 500 }).catch(() => undefined)
  }

  async function shutdown(): Promise<void> {
    const running = sidecar
    sidecar = null
    if (running) await running.shutdown()
  }

  return {
    backend: "supervisor",
    spawn,
    ...makeRunner(spawn),
    stop,
    shutdown,
    get sidecarPid() {
      return sidecar?.alive ? sidecar.pid : undefined
    },
  }
}
