import { execFileSync } from "node:child_process"
import { mkdirSync } from "node:fs"
import { dirname, join } from "node:path"
import { pathToFileURL } from "node:url"

export const CHROMIUM = "/usr/bin/chromium"

/** Debian's chromium, headless, with everything that would reach the network switched off. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
]

/** Installs chromium when missing (scripts/ensure-chromium.sh); throws with its message when it cannot. */
export function ensureChromium(root: string): void {
  execFileSync("bash", [join(root, "scripts", "ensure-chromium.sh")], { stdio: "inherit" })
}

/**
 * A PNG of a report page's pass-rate grid (`#grid`), the picture a README shows: drawn at a README
 * column's width, at twice the pixels so it stays sharp on a dense screen. Taken by headless Chromium
 * through playwright-core.
 */
export async function screenshot(htmlPath: string, pngPath: string, root: string): Promise<void> {
  ensureChromium(root)
  const { chromium } = await import("playwright-core")
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 2 })
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: "load" })
    mkdirSync(dirname(pngPath), { recursive: true })
    await page.locator("#grid svg").screenshot({ path: pngPath })
  } finally {
    await browser.close()
  }
}
