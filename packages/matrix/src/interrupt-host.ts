import { createInterface } from "node:readline"
import type { Options } from "@pawwork/process"
import { loadCreateProcess } from "./api.js"
import { closeBackend, openBackend } from "./backends.js"
import { paths } from "./paths.js"
import type { BackendName } from "./types.js"

/*
 * The host of the terminal-interrupt scenario (scenarios/terminal-interrupt.ts): a process like a CLI that
 * handles SIGINT and goes on, started by the scenario as the leader of its own process group. It opens
 * the backend as the matrix does, spawns the scenario's tree through it with the backend's options, and
 * obeys lines on stdin: `check` runs one more command, `end` stops the tree and closes the backend.
 * Every report to the scenario is one `@@{json}` line on stdout.
 *
 * argv: backend name, the spawn options (JSON), the fixture command line of the tree (JSON).
 */
const [name, optionsJson, treeJson] = process.argv.slice(2) as [BackendName, string, string]
const options = JSON.parse(optionsJson) as Options
const tree = JSON.parse(treeJson) as string[]
const say = (what: string, data: Record<string, unknown> = {}) => process.stdout.write(`@@${JSON.stringify({ what, ...data })}\n`)

process.on("SIGINT", () => say("interrupted"))
const backend = openBackend(name, paths(), await loadCreateProcess())
const child = backend.api.spawn(tree, options)
say("spawned", { pid: child.pid ?? (await child.spawned) ?? null, sidecar: backend.api.sidecarPid ?? null })

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === "check") {
    const done = await backend.api.run([tree[0]!, "exit", "--code", "0"], options).then(
      (r) => ({ code: r.code }),
      (err: Error) => ({ error: err.message }),
    )
    say("checked", { ...done, sidecar: backend.api.sidecarPid ?? null })
  } else if (line.trim() === "end") {
    await backend.api.stop(child).catch(() => undefined)
    await closeBackend(backend)
    say("ended")
    process.exit(0)
  }
}
