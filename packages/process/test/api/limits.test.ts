// Large command lines and environments on both engines: the kernel, not the protocol, decides what runs.
// What the kernel admits runs on both; what it refuses fails with Node's E2BIG on both, at once; what no
// request could carry is refused by the supervisor engine before anything is sent, as Node's spawn throws.
import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { after, describe, test } from "node:test"
import { createProcess, type ProcessApi } from "../../src/index.js"

const GUARD = { timeout: 30_000 }
const unix = process.platform === "win32" ? "the kernel's argument limits are Linux's and macOS's; Windows' are others" : false
const engines: Array<[string, ProcessApi]> = [
  ["baseline", createProcess({ backend: "baseline" })],
  ["supervisor", createProcess({ backend: "supervisor" })],
]
after(async () => {
  for (const [, p] of engines) await p.shutdown()
})

/** The bytes of argument and environment strings execve admits here (getconf: a quarter of the stack limit). */
const argMax = process.platform === "win32" ? 0 : Math.min(Number(execFileSync("getconf", ["ARG_MAX"], { encoding: "utf8" })), 6 << 20)
const KIB = 1024
const big = (n: number, kib: number) => Array.from({ length: n }, (_, i) => String.fromCharCode(97 + (i % 26)).repeat(kib * KIB))
const count = ["sh", "-c", 'printf %s "$#"', "sh"]

/** Settles `p` and says how long it took, so a hang is a failure of the guard, not of the assertion. */
async function timed<T>(p: Promise<T>): Promise<{ value?: T; error?: unknown; ms: number }> {
  const start = Date.now()
  try {
    return { value: await p, ms: Date.now() - start }
  } catch (error) {
    return { error, ms: Date.now() - start }
  }
}

for (const [name, p] of engines) {
  describe(`${name}: command lines and environments up to the kernel's limit`, { skip: unix }, () => {
    test("12 arguments of 100 KiB run", GUARD, async () => {
      const out = await timed(p.text([...count, ...big(12, 100)]))
      assert.equal(out.value?.text, "12", String(out.error))
      console.log(`${name}: 12 x 100 KiB arguments ran in ${out.ms} ms`)
    })

    test("a 1.2 MB environment runs", GUARD, async () => {
      const env: Record<string, string> = {}
      big(12, 100).forEach((v, i) => (env[`BIG_${i}`] = v))
      const out = await timed(p.text(["sh", "-c", 'printf %s "${#BIG_11}"'], { env }))
      assert.equal(out.value?.text, String(100 * KIB), String(out.error))
      console.log(`${name}: a 1.2 MB environment ran in ${out.ms} ms`)
    })

    test("a command line just under the kernel's limit runs", GUARD, async () => {
      // Strings of 128 KiB - 1 (the kernel's bound per string), filling ARG_MAX but for a margin that
      // covers the environment (a small one, given), the program's path and what the sidecar adds.
      const args = big(Math.floor((argMax - 16 * KIB) / (128 * KIB + 8)), 128).map((a) => a.slice(1))
      const out = await timed(p.text([...count, ...args], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } }))
      assert.equal(out.value?.text, String(args.length), String(out.error))
    })

    test("a command line over the kernel's limit fails with E2BIG, as Node's spawn does", GUARD, async () => {
      const args = big(Math.ceil((argMax + 64 * KIB) / (128 * KIB)), 127)
      const out = await timed(p.run([...count, ...args]))
      assert.equal((out.error as NodeJS.ErrnoException | undefined)?.code, "E2BIG", String(out.error ?? "it ran"))
    })

    const linux = process.platform === "linux" ? false : "MAX_ARG_STRLEN, the bound per string, is Linux's"
    test("one argument over the kernel's bound per string fails with E2BIG", { ...GUARD, skip: linux }, async () => {
      const out = await timed(p.run(["sh", "-c", "true", "x".repeat(128 * KIB)]))
      assert.equal((out.error as NodeJS.ErrnoException | undefined)?.code, "E2BIG", String(out.error ?? "it ran"))
    })

    test("a command line no request could carry is refused by spawn itself with E2BIG", GUARD, () => {
      // 40 MiB: over the supervisor's request limit, and over every kernel's.
      assert.throws(() => p.spawn([...count, ...big(320, 128)]), (err: NodeJS.ErrnoException) => err.code === "E2BIG")
    })
  })
}
