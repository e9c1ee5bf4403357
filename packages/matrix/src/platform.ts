import { readFileSync } from "node:fs"
import os from "node:os"

export interface Platform {
  /** `process.platform` (linux, darwin, win32). */
  os: string
  arch: string
  /** Kernel release (`uname -r`). */
  kernel: string
  /** Kernel version string or Windows build (`os.version()`). */
  os_version: string
  /** Distribution name where one is known (Linux: /etc/os-release PRETTY_NAME). */
  distro: string | null
  /** True when the Windows API is provided by Wine, not by Windows. */
  under_wine: boolean
  /**
   * Wine's own version (`wine --version`, e.g. "wine-8.0 (Debian 8.0~repack-4)") when under Wine and
   * known. A program under Wine cannot ask Wine for it, so scripts/wine-matrix.sh passes it in
   * PAWWORK_WINE_VERSION; absent in results written before it existed.
   */
  wine_version?: string | null
  node: string
  cpus: number
  memory_gib: number
  /** One human line, e.g. "Linux 6.1.0 x86_64 (Debian GNU/Linux 12), 2 CPUs". */
  label: string
}

function distroName(): string | null {
  try {
    const text = readFileSync("/etc/os-release", "utf8")
    const line = text.split("\n").find((l) => l.startsWith("PRETTY_NAME="))
    return line ? line.slice("PRETTY_NAME=".length).replace(/^"|"$/g, "") : null
  } catch {
    return null
  }
}

// Wine exports wine_get_version from its ntdll and sets WINE* variables for
// its processes; a Node running on Windows under Wine sees the registry key too.
function underWine(): boolean {
  if (process.platform !== "win32") return false
  if (Object.keys(process.env).some((k) => k.startsWith("WINE"))) return true
  try {
    readFileSync("C:\\windows\\system32\\winecfg.exe")
    return true
  } catch {
    return false
  }
}

export function detectPlatform(): Platform {
  const names: Record<string, string> = { linux: "Linux", darwin: "macOS", win32: "Windows" }
  const distro = process.platform === "linux" ? distroName() : null
  const wine = underWine()
  const wineVersion = wine ? (process.env.PAWWORK_WINE_VERSION?.trim() || null) : null
  // Under Wine, os.release() is the Windows version Wine pretends to be, not Wine's.
  const osName = wine
    ? `Windows API under ${wineVersion ? wineVersion.replace(/^wine-/, "Wine ") : "Wine (version unknown)"}, reporting Windows`
    : (names[process.platform] ?? process.platform)
  const cpus = os.cpus().length
  return {
    os: process.platform,
    arch: process.arch,
    kernel: os.release(),
    os_version: os.version(),
    distro,
    under_wine: wine,
    wine_version: wineVersion,
    node: process.version,
    cpus,
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
    label: `${osName} ${os.release()} ${process.arch}${distro ? ` (${distro})` : ""}, ${cpus} CPUs, Node ${process.version}`,
  }
}

export const isUnix = (p: Platform): boolean => p.os !== "win32"
