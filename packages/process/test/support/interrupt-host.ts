import { createInterface } from "node:readline"
import { createProcess, type EngineName } from "../../src/index.js"
import { fixture } from "./binaries.js"
import { countPids, waitForReport } from "./report.js"

/*
 * A host like a CLI that handles SIGINT and goes on (to interrupt one step): run by
 * terminal-interrupt.test.ts inside a terminal (a pty) or as the leader of its own process group. It
 * starts two children that trap and report signals, one `detached` (the bash tool's path) and one not,
 * says `ready`, and then obeys lines on stdin: `check` signals the detached child with SIGUSR1 (a marker
 * that must come after any interrupt it got) and runs one more command; `end` ends everything. Every
 * report to the test is one `@@{json}` line on stdout.
 *
 * argv: engine, the detached child's report file, the joined child's report file.
 */
const [engine, detachedReport, joinedReport] = process.argv.slice(2) as [EngineName, string, string]
const proc = createProcess({ backend: engine })
const say = (what: string, data: Record<string, unknown> = {}) => process.stdout.write(`@@${JSON.stringify({ what, ...data })}\n`)

process.on("SIGINT", () => say("interrupted"))

const detached = proc.spawn(fixture(detachedReport, "trap"), { detached: true })
const joined = proc.spawn(fixture(joinedReport, "trap", "--exit-on-signal"))
const joinedExit = joined.exited.then((code) => ({ code, signal: joined.signalCode }), (err: Error) => ({ error: err.message }))
await waitForReport(detachedReport, countPids(1), "the detached child")
await waitForReport(joinedReport, countPids(1), "the joined child")
say("ready", { host: process.pid, sidecar: proc.sidecarPid ?? null, detached: detached.pid, joined: joined.pid })

for await (const line of createInterface({ input: process.stdin })) {
  const command = line.trim()
  if (command === "check") {
    detached.kill("SIGUSR1")
    const { code } = await proc.run(fixture(null, "exit", "--code", "0"))
    say("checked", { sidecar: proc.sidecarPid ?? null, code, joined: await joinedExit })
  } else if (command === "end") {
    await proc.stop(detached)
    await proc.shutdown()
    say("ended")
    process.exit(0)
  }
}
