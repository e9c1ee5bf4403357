import assert from "node:assert/strict"
import { spawn, type ChildProcess } from "node:child_process"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, test } from "node:test"
import type { EngineName } from "../../src/index.js"
import { killGroup } from "../../src/safety.js"
import { waitAllGone } from "../support/leaks.js"
import { newReport, readReport, removeReports, waitForReport } from "../support/report.js"
import { HostLines, inTerminal } from "../support/terminal.js"

/*
 * A terminal's Ctrl-C, as on the baseline: a host that handles SIGINT and goes on (a CLI interrupting one
 * step) keeps its sidecar and its detached children; a child that is not detached is a member of the
 * foreground job and gets the SIGINT, as a child of Node's spawn does. Run twice per engine: in a real
 * terminal (script(1) gives the host a pty, and "\x03" typed into it is the Ctrl-C), and with a SIGINT sent
 * to the host's process group, which is what the terminal does. The host is interrupt-host.ts.
 */
const ENGINES: readonly EngineName[] = ["baseline", "supervisor"]
const GUARD = { timeout: 60_000 }
const HOST = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "support", "interrupt-host.js")
const unix = process.platform === "win32" && "Unix only: a terminal's job control"

interface Started {
  proc: ChildProcess
  lines: HostLines
  interrupt(): void
}

function hostInTerminal(args: string[]): Started | string {
  const started = inTerminal([process.execPath, HOST, ...args], path.dirname(args[1]!))
  if ("unavailable" in started) return started.unavailable
  const { proc } = started
  return { proc, lines: new HostLines(proc.stdout!), interrupt: () => proc.stdin!.write("\x03") }
}

function hostInItsOwnGroup(args: string[]): Started {
  const proc = spawn(process.execPath, [HOST, ...args], { stdio: ["pipe", "pipe", "inherit"], detached: true })
  // The host leads its own group (detached); killGroup refuses ours and any id below 2.
  const interrupt = () => killGroup(proc.pid!, "SIGINT")
  return { proc, lines: new HostLines(proc.stdout!), interrupt }
}

const signalsOf = (file: string, pid: number) =>
  readReport(file)
    .filter((l) => l.kind === "signal" && l.pid === pid)
    .map((l) => String((l as { signal?: unknown }).signal))

async function interruptOnce(engine: EngineName, start: (args: string[]) => Started | string, t: { skip(why: string): void }) {
  const detachedReport = newReport()
  const joinedReport = newReport()
  const host = start([engine, detachedReport, joinedReport])
  if (typeof host === "string") return t.skip(host)
  const exited = new Promise<number | null>((resolve) => host.proc.once("exit", (code) => resolve(code)))
  try {
    const ready = await host.lines.next("ready")
    const joined = ready.joined as number
    const detached = ready.detached as number
    host.interrupt()
    await host.lines.next("interrupted")
    await waitForReport(joinedReport, () => signalsOf(joinedReport, joined).includes("SIGINT"), "the joined child's SIGINT")

    host.proc.stdin!.write("check\n")
    const checked = await host.lines.next("checked")
    await waitForReport(detachedReport, () => signalsOf(detachedReport, detached).includes("SIGUSR1"), "the marker")
    // A SIGINT to its group would have come before the marker, which was sent after it.
    assert.deepEqual(signalsOf(detachedReport, detached), ["SIGUSR1"], "the detached child saw only the marker")
    assert.deepEqual(checked.joined, { code: 0, signal: null }, "the joined child ended on its SIGINT, as it traps it")
    assert.equal(checked.code, 0, "the next command after the interrupt runs")
    if (engine === "supervisor") {
      assert.ok(typeof ready.sidecar === "number", `a sidecar runs: ${JSON.stringify(ready)}`)
      assert.equal(checked.sidecar, ready.sidecar, "the same sidecar: it was not hit by the interrupt")
    }

    host.proc.stdin!.write("end\n")
    await host.lines.next("ended")
    assert.equal(await exited, 0)
    assert.deepEqual(await waitAllGone(detachedReport), [])
    assert.deepEqual(await waitAllGone(joinedReport), [])
  } finally {
    if (host.proc.exitCode === null && host.proc.signalCode === null) host.proc.kill("SIGKILL")
    removeReports()
  }
}

for (const engine of ENGINES) {
  describe(`a Ctrl-C to a host on the ${engine} engine`, () => {
    test("in a real terminal: the host and its detached child go on, the joined child gets SIGINT", { ...GUARD, skip: unix }, (t) =>
      interruptOnce(engine, hostInTerminal, t),
    )
    test("as a SIGINT to the host's process group: the same", { ...GUARD, skip: unix }, (t) => interruptOnce(engine, hostInItsOwnGroup, t))
  })
}
