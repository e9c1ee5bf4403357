import { spawn } from "node:child_process"
import { createProcess, type ProcessApi } from "@pawwork/process"
import { sidecarPid } from "./sidecar.js"
import type { Backend } from "./types.js"

/** One way of running a command to completion, so every measurement compares the same operation. */
export interface Runner {
  readonly backend: Backend
  /** Runs argv with stdio ignored; resolves once it has exited (code 0), rejects otherwise. */
  roundTrip(argv: string[]): Promise<void>
  /** The Process API behind it (null for bare child_process). */
  readonly api: ProcessApi | null
  /** The sidecar's pid (supervisor backends, once started), else null. */
  sidecar(): number | null
  close(): Promise<void>
}

function bareRoundTrip(argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: "ignore" })
    child.once("error", reject)
    child.once("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${argv.join(" ")} ended with ${code ?? signal}`)),
    )
  })
}

export function bareRunner(): Runner {
  return { backend: "bare", roundTrip: bareRoundTrip, api: null, sidecar: () => null, close: async () => {} }
}

function apiRunner(backend: Backend, api: ProcessApi): Runner {
  return {
    backend,
    api,
    async roundTrip(argv) {
      const code = await api.spawn(argv).exited
      if (code !== 0) throw new Error(`${argv.join(" ")} ended with ${code} (${backend})`)
    },
    sidecar: () => (api.backend === "supervisor" && api.sidecarPid !== undefined ? sidecarPid(api) : null),
    close: () => api.shutdown(),
  }
}

/**
 * The switch behind each supervisor variant: PAWWORK_SUPERVISOR_NO_CGROUP=1 (process groups only) shows what
 * per-child cgroups cost; PAWWORK_SUPERVISOR_NO_CLONE3=1 (std's fork, the child joining its cgroup before
 * exec) what spawning straight into the cgroup saves; PAWWORK_SUPERVISOR_NO_SPLICE=1 (output read and
 * written) what splicing it saves.
 */
const VARIANT_SWITCH: Partial<Record<Backend, string>> = {
  "supervisor-nocgroup": "PAWWORK_SUPERVISOR_NO_CGROUP",
  "supervisor-fork": "PAWWORK_SUPERVISOR_NO_CLONE3",
  "supervisor-copy": "PAWWORK_SUPERVISOR_NO_SPLICE",
}

/**
 * A Process API runner. A variant's switch is set only while the first spawn starts its sidecar, so nothing
 * else inherits it.
 */
export async function apiRunnerFor(
  backend: Exclude<Backend, "bare">,
  warmCommand: string[],
  supervisorPath: string,
): Promise<Runner> {
  const api = createProcess({ backend: backend === "baseline" ? "baseline" : "supervisor", supervisorPath })
  const runner = apiRunner(backend, api)
  const name = VARIANT_SWITCH[backend]
  if (name !== undefined) {
    const before = process.env[name]
    process.env[name] = "1"
    let first: Promise<void>
    try {
      first = runner.roundTrip(warmCommand)
    } finally {
      if (before === undefined) delete process.env[name]
      else process.env[name] = before
    }
    await first
  } else {
    await runner.roundTrip(warmCommand)
  }
  return runner
}

export async function runnerFor(backend: Backend, warmCommand: string[], supervisorPath: string): Promise<Runner> {
  return backend === "bare" ? bareRunner() : apiRunnerFor(backend, warmCommand, supervisorPath)
}
