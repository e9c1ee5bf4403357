import { spawn } from "node:child_process"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { setTimeout as sleep } from "node:timers/promises"
import { FixtureReport, isSafeTargetPid, isStillRunning, killIfSameProcess, procStat } from "@pawwork/harness"
import { leakDetail, leakReason, TreeWatch } from "../leaks.js"
import { EFFECT_BACKENDS, type BackendName, type RunContext, type Scenario, type ScenarioResult } from "../types.js"
import { fail, pass, round, SetupError, unixOnly, waitFor } from "./steps.js"

const MEMBERS = 2 // trap --depth 1 --width 1
const HOST = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "interrupt-host.js")
const STEP_MS = 10_000

/** The host's `@@{json}` lines, by `what`. */
class Lines {
  private text = ""
  readonly seen = new Map<string, Record<string, unknown>>()
  constructor(stdout: NodeJS.ReadableStream) {
    stdout.on("data", (chunk: Buffer) => {
      this.text += chunk.toString()
      for (let m = /@@(\{[^\n]*\})\n/.exec(this.text); m; m = /@@(\{[^\n]*\})\n/.exec(this.text)) {
        const line = JSON.parse(m[1]!) as Record<string, unknown>
        this.seen.set(String(line.what), line)
        this.text = this.text.slice(m.index + m[0].length)
      }
    })
  }
  async next(what: string, stop: AbortSignal): Promise<Record<string, unknown>> {
    const deadline = performance.now() + STEP_MS
    while (!this.seen.has(what)) {
      if (performance.now() > deadline || stop.aborted) throw new SetupError(`setup: the host never said ${what}`)
      await sleep(5)
    }
    return this.seen.get(what)!
  }
}

/**
 * Whether the backend puts this spawn in the host's process group, so a terminal's Ctrl-C reaches it: the
 * baseline's rule (Node's `detached`), with Effect's default for the Effect backends (detached on Unix) and
 * execa's `killDescendants`, which spawns its child detached on Unix to signal its group.
 */
function joinsHostGroup(ctx: RunContext): boolean {
  if (ctx.backend === "execa") return false
  if (ctx.backendOptions.detached !== undefined) return !ctx.backendOptions.detached
  return !EFFECT_BACKENDS.includes(ctx.backend)
}

/** SIGINT to the host's group, as a terminal sends it to its foreground job: only a group the host leads. */
function interruptGroup(hostPid: number): void {
  const ours = procStat(process.pid)?.pgrp
  if (!isSafeTargetPid(hostPid) || hostPid === ours) throw new Error(`refusing to signal group ${hostPid}`)
  process.kill(-hostPid, "SIGINT")
}

async function run(ctx: RunContext): Promise<ScenarioResult> {
  const report = new FixtureReport(ctx.reportPath)
  const watch = new TreeWatch(report)
  const tree = ctx.fixtureCmd(["trap", "--depth", "1", "--width", "1"])
  const host = spawn(process.execPath, [HOST, ctx.backend, JSON.stringify(ctx.backendOptions), JSON.stringify(tree)], {
    stdio: ["pipe", "pipe", "inherit"],
    detached: true,
  })
  const hostGone = new Promise<void>((resolve) => host.once("exit", () => resolve()))
  const lines = new Lines(host.stdout!)
  try {
    const spawned = await lines.next("spawned", ctx.hardStop)
    await waitFor(ctx, report, (r) => r.members.size >= MEMBERS, `${MEMBERS} members`)
    const t0 = performance.now()
    interruptGroup(host.pid!)
    await lines.next("interrupted", ctx.hardStop)
    const joins = joinsHostGroup(ctx)
    const got = (pid: number) => report.signals.get(pid)?.includes("SIGINT") ?? false
    if (joins) await waitFor(ctx, report, (r) => [...r.members.keys()].every(got), "SIGINT at every member")
    // The marker, sent after the interrupt by number: a SIGINT to a member's group would have come first.
    for (const m of report.members.values()) killIfSameProcess(m.pid, m.start, "SIGUSR1")
    await waitFor(ctx, report, (r) => [...r.members.keys()].every((p) => r.signals.get(p)?.includes("SIGUSR1")), "the marker at every member")
    // The tree as it was before the next command (which reports into the same file).
    const members = [...report.members.values()]
    host.stdin!.write("check\n")
    const checked = await lines.next("checked", ctx.hardStop)
    const alive = members.filter((m) => isStillRunning(m.pid, m.start)).length
    const reached = members.filter((m) => got(m.pid)).length
    // Anything else a member heard came from the backend itself (a sidecar ending its trees: SIGTERM).
    const heard = new Set(members.flatMap((m) => report.signals.get(m.pid) ?? []))
    const other = [...heard].filter((sig) => sig !== "SIGINT" && sig !== "SIGUSR1")

    host.stdin!.write("end\n")
    await lines.next("ended", ctx.hardStop)
    const quiet = await watch.untilGone(t0, performance.now() + ctx.graceMs + ctx.slackMs, ctx.hardStop)
    if (quiet.survivors.length > 0) await watch.killAll()
    const measured = { leaked_pids: quiet.survivors.map((m) => m.pid), quiescence_ms: round(quiet.quiescenceMs) }

    const n = members.length
    if (alive < n) return fail("the interrupt ended the tree", `${n - alive} of ${n} members gone after a Ctrl-C`, measured)
    if (other.length > 0) return fail("the backend signalled the tree after the Ctrl-C", `members got ${other.join(", ")}`, measured)
    if (joins && reached < n) return fail("a member of the host's job missed the Ctrl-C", `${reached} of ${n} got SIGINT`, measured)
    if (!joins && reached > 0) return fail("the Ctrl-C reached a detached tree", `${reached} of ${n} got SIGINT`, measured)
    if (checked.code !== 0) return fail("the next command failed after the Ctrl-C", String(checked.error ?? checked.code), measured)
    if (spawned.sidecar !== null && checked.sidecar !== spawned.sidecar) {
      return fail("the sidecar did not survive the Ctrl-C", `sidecar ${String(spawned.sidecar)}, then ${String(checked.sidecar)}`, measured)
    }
    if (quiet.survivors.length > 0) return fail(leakReason(quiet.survivors), leakDetail(quiet.survivors), measured)
    return pass({ ...measured, detail: joins ? `SIGINT reached all ${n} members, as on the baseline` : "SIGINT reached no member, as on the baseline" })
  } finally {
    if (host.exitCode === null && host.signalCode === null) host.kill("SIGKILL")
    await Promise.race([hostGone, sleep(STEP_MS)])
  }
}

const EXPECTED: Record<BackendName, "pass" | "fail"> = {
  baseline: "pass",
  "baseline-detached": "pass",
  supervisor: "pass",
  "supervisor-effect": "pass",
  execa: "pass",
  "tree-kill": "pass",
  effect: "pass",
}

export const terminalInterrupt: Scenario = {
  name: "terminal-interrupt",
  group: "terminal signals",
  title: "A terminal's Ctrl-C to a host that handles it and goes on",
  description:
    `A host that handles SIGINT (as a CLI does to interrupt one step) spawns a ${MEMBERS}-process tree that traps and reports ` +
    "signals (`trap --depth 1 --width 1`) through the backend, then gets the SIGINT a terminal sends to its foreground " +
    "job: a signal to the host's process group. Passes when the tree sees it as a tree of Node's own spawn would: every " +
    "member when the spawn joins the host's group (not detached), none when it is detached (the bash tool's path, " +
    "Effect's default, and execa's `killDescendants`); when the whole tree is still alive afterwards; when the next command runs; when a sidecar is " +
    "still the same one; and when stop() then leaves nothing behind.",
  mechanism: {
    baseline: "Node's spawn leaves the child in the host's group: the Ctrl-C reaches it, nothing else happens",
    "baseline-detached": "`detached` gives the child a session of its own: the Ctrl-C does not reach it",
    supervisor: "the sidecar leaves the host's group at start; the child, not detached, joins the host's group, so only it gets the Ctrl-C",
    execa: "`killDescendants` makes the child lead its own process group (detached, whatever `detached` says): the Ctrl-C does not reach it; stop() then ends that group",
    "tree-kill": "cross-spawn, as the baseline: the child is in the host's group",
    "supervisor-effect": "the layer passes Effect's `detached` (true by default): the child leads its own session, and the sidecar is out of the host's group",
    effect: "Effect's Node spawner detaches by default: the child leads its own group",
  },
  expected: EXPECTED,
  supported: (platform, backend) => unixOnly(platform, backend),
  run,
}
