import assert from "node:assert/strict"
import path from "node:path"
import { describe, test } from "node:test"
import { platformKey, platformPackageName, supervisorLocation, unpackedAsarPath } from "../../src/index.js"
import { repoRoot } from "../support/binaries.js"

// The lookup as it runs inside this repository; the installed package's (platform package, app.asar,
// every failure message) is packaging/test/packed-install.test.mjs's.

describe("unpackedAsarPath", () => {
  test("moves a path inside app.asar to app.asar.unpacked, whatever the separator", () => {
    assert.equal(
      unpackedAsarPath("/opt/App/resources/app.asar/node_modules/@pawwork/supervisor-linux-x64/bin/pawwork-supervisor"),
      "/opt/App/resources/app.asar.unpacked/node_modules/@pawwork/supervisor-linux-x64/bin/pawwork-supervisor",
    )
    assert.equal(
      unpackedAsarPath("C:\\App\\resources\\app.asar\\node_modules\\@pawwork\\supervisor-win32-x64\\bin\\pawwork-supervisor.exe"),
      "C:\\App\\resources\\app.asar.unpacked\\node_modules\\@pawwork\\supervisor-win32-x64\\bin\\pawwork-supervisor.exe",
    )
  })

  test("leaves every other path alone: no segment named exactly app.asar", () => {
    for (const p of ["/usr/lib/node_modules/x/bin/y", "/a/app.asar.unpacked/x", "/a/my-app.asar/x", "/a/app.asarx/y"]) {
      assert.equal(unpackedAsarPath(p), null, p)
    }
  })
})

describe("supervisorLocation inside this repository", () => {
  test("the platform key and package follow Node's names", () => {
    assert.equal(platformKey(), `${process.platform}-${process.arch}`)
    assert.equal(platformKey("win32", "arm64"), "win32-arm64")
    assert.equal(platformPackageName("darwin-arm64"), "@pawwork/supervisor-darwin-arm64")
  })

  test("the option, then the environment, then (no platform package here) the workspace build", () => {
    const saved = process.env.PAWWORK_SUPERVISOR_PATH
    try {
      delete process.env.PAWWORK_SUPERVISOR_PATH
      const workspace = supervisorLocation()
      assert.equal(workspace.source, "workspace")
      assert.ok(
        ["release", "debug"].some((p) => workspace.path === path.join(repoRoot, "target", p, path.basename(workspace.path))),
        workspace.path,
      )
      process.env.PAWWORK_SUPERVISOR_PATH = process.execPath
      assert.deepEqual(supervisorLocation(), { path: process.execPath, source: "environment" })
      assert.deepEqual(supervisorLocation(workspace.path), { path: workspace.path, source: "option" })
      process.env.PAWWORK_SUPERVISOR_PATH = "/nonexistent/pawwork-supervisor"
      assert.throws(() => supervisorLocation(), /PAWWORK_SUPERVISOR_PATH names \/nonexistent\/pawwork-supervisor, which does not exist/)
    } finally {
      if (saved === undefined) delete process.env.PAWWORK_SUPERVISOR_PATH
      else process.env.PAWWORK_SUPERVISOR_PATH = saved
    }
  })
})
