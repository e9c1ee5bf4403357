import { type ChildProcess, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { setTimeout as sleep } from "node:timers/promises"
import { FixtureReport, type Member } from "./fixture-report.js"

/**
 * A `pawwork-fixture sleep` writing to `report`, resolved once its pid line is there (a generous 10 s hang
 * guard): a live, reported process for tests of the leak check and the kill. The caller ends it.
 */
export async function reportingSleeper(
  bin: string,
  report: string,
  env: Record<string, string> = {},
): Promise<{ member: Member; child: ChildProcess }> {
  if (!existsSync(bin)) throw new Error(`the fixture program is not built at ${bin} (npm test builds it)`)
  const child = spawn(bin, ["--report", report, "sleep"], { stdio: "ignore", env: { ...process.env, ...env }, windowsHide: true })
  const r = new FixtureReport(report)
  const deadline = performance.now() + 10_000
  while (!r.poll().root()) {
    if (performance.now() >= deadline) {
      child.kill("SIGKILL")
      throw new Error(`the sleeper did not report within 10 s (${report})`)
    }
    await sleep(10)
  }
  return { member: r.root()!, child }
}
