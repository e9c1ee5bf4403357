import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import os from "node:os"
import { join } from "node:path"
import { clockTicks } from "@pawwork/harness"
import type { Machine } from "./types.js"

/** rustup's rustc may be installed without being on PATH in non-login shells. */
function rustcVersion(): string | null {
  for (const bin of ["rustc", join(os.homedir(), ".cargo", "bin", "rustc")]) {
    if (bin !== "rustc" && !existsSync(bin)) continue
    const r = spawnSync(bin, ["--version"], { encoding: "utf8" })
    if (r.status === 0) return r.stdout.trim()
  }
  return null
}

export const loadAverage = (): number[] => os.loadavg().map((x) => Math.round(x * 100) / 100)

export function describeMachine(): Machine {
  const cpus = os.cpus()
  return {
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryMib: Math.round(os.totalmem() / (1024 * 1024)),
    kernel: `${os.type()} ${os.release()}`,
    os: `${os.platform()} ${os.version()}`,
    arch: os.arch(),
    node: process.version,
    rustc: rustcVersion(),
    clockTicksPerSecond: clockTicks(),
    loadAverage: loadAverage(),
    loadAverageEnd: loadAverage(),
  }
}
