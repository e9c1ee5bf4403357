import assert from "node:assert/strict"
import { test } from "node:test"
import { backendUnavailable, usageHasTreeFlag } from "../src/backends.js"
import type { CreateProcess } from "../src/api.js"
import { signalSigint, signalSigterm } from "../src/scenarios/signal-forwarding.js"
import { paths } from "../src/paths.js"
import { detectPlatform } from "../src/platform.js"

// What the matrix does differently when the Windows API comes from Wine (scripts/wine-matrix.sh runs it there).
const wine = { ...detectPlatform(), os: "win32", under_wine: true }
const windows = { ...detectPlatform(), os: "win32", under_wine: false }
const create = (() => {
  throw new Error("not called")
}) as unknown as CreateProcess

test("under Wine, SIGTERM forwarding is not run (Ctrl-Break cannot be delivered) and SIGINT forwarding is not skipped for it", () => {
  assert.match(signalSigterm.supported(wine, "supervisor") ?? "", /^under Wine: SIGTERM is Ctrl-Break/)
  assert.doesNotMatch(signalSigint.supported(wine, "supervisor") ?? "", /Wine/)
  assert.doesNotMatch(signalSigterm.supported(windows, "supervisor") ?? "", /Wine/, "real Windows runs it")
})

test("taskkill's usage text tells whether it can end a tree", () => {
  assert.equal(usageHasTreeFlag("Usage: taskkill [/?] [/f] [/im ProcessName | /pid ProcessID]\r\n"), false, "Wine 8.0")
  const windows = "TASKKILL [/S system [/U username [/P [password]]]]\r\n  { [/FI filter] [/PID processid | /IM imagename] } [/T] [/F]\r\n" +
    "    /T                     Terminates the specified process and any\r\n"
  assert.equal(usageHasTreeFlag(windows), true, "Windows")
  assert.equal(usageHasTreeFlag("/?  /t"), true)
  assert.equal(usageHasTreeFlag("see /tmp/x"), false)
})

test("under Wine, backends whose tree kill is taskkill /t are not run unless this taskkill has /t", (t) => {
  const p = paths()
  if (process.platform === "win32") return t.skip("real Windows has taskkill /t; the refusal is checked where it has none")
  for (const name of ["baseline", "baseline-detached", "tree-kill", "execa"] as const) {
    // No taskkill at all on this host, so the probe must refuse.
    assert.match(backendUnavailable(name, p, create, wine) ?? "", /^under Wine, .*: the Windows cells of this backend come from real Windows runs only$/, name)
  }
  for (const name of ["supervisor"] as const) {
    assert.doesNotMatch(backendUnavailable(name, p, create, wine) ?? "", /taskkill/, name)
  }
})
