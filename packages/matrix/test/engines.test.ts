import assert from "node:assert/strict"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { test } from "node:test"
import { engineNotes, satisfies } from "../src/engines.js"

test("satisfies reads the engines forms in use: >=, ^ and ||; anything else is not understood", () => {
  assert.equal(satisfies("20.20.2", ">=22.19.0"), false)
  assert.equal(satisfies("v22.19.0", ">=22.19.0"), true)
  assert.equal(satisfies("20.20.2", "^18.19.0 || >=20.5.0"), true)
  assert.equal(satisfies("19.0.0", "^18.19.0 || >=20.5.0"), false)
  assert.equal(satisfies("18.20.0", "^18.19.0 || >=20.5.0"), true)
  assert.equal(satisfies("20.20.2", "20.x"), null)
})

test("a backend measured on a Node its packages do not declare gets a note; one whose range holds gets none", () => {
  const root = mkdtempSync(join(tmpdir(), "engines-"))
  try {
    const pkg = (name: string, version: string, node?: string) => {
      mkdirSync(join(root, "node_modules", name), { recursive: true })
      writeFileSync(join(root, "node_modules", name, "package.json"), JSON.stringify({ version, ...(node ? { engines: { node } } : {}) }))
    }
    pkg("@effect/platform-node", "4.1.0", ">=22.19.0")
    pkg("@effect/platform-node-shared", "4.1.0", ">=22.19.0")
    pkg("execa", "9.6.1", "^18.19.0 || >=20.5.0")
    const notes = engineNotes(root, ["effect", "execa", "supervisor"], [{ name: "node", version: "20.20.2", backends: ["effect", "execa", "supervisor"] }])
    assert.deepEqual(Object.keys(notes), ["effect"])
    assert.equal(
      notes.effect,
      "@effect/platform-node 4.1.0 declares Node >=22.19.0 in `engines`; @effect/platform-node-shared 4.1.0 declares Node >=22.19.0 in `engines`; these cells ran on Node 20.20.2.",
    )
    // Not measured under Node: nothing to say.
    assert.deepEqual(engineNotes(root, ["effect"], [{ name: "bun", version: "1.4.4", backends: [] }]), {})
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})
