import assert from "node:assert/strict"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { test } from "node:test"
import { declaredEngines, engineNotes, peerNode, satisfies } from "../src/engines.js"
import { BACKENDS } from "../src/types.js"
import { syntheticResults } from "./helpers/synthetic.js"

test("satisfies reads the engines forms in use: >=, ^ and ||; anything else is not understood", () => {
  assert.equal(satisfies("20.20.2", ">=22.19.0"), false)
  assert.equal(satisfies("v22.19.0", ">=22.19.0"), true)
  assert.equal(satisfies("20.20.2", "^18.19.0 || >=20.5.0"), true)
  assert.equal(satisfies("19.0.0", "^18.19.0 || >=20.5.0"), false)
  assert.equal(satisfies("18.20.0", "^18.19.0 || >=20.5.0"), true)
  assert.equal(satisfies("20.20.2", "20.x"), null)
})

function fakeModules(): string {
  const root = mkdtempSync(join(tmpdir(), "engines-"))
  const pkg = (name: string, version: string, node?: string) => {
    mkdirSync(join(root, "node_modules", name), { recursive: true })
    writeFileSync(join(root, "node_modules", name, "package.json"), JSON.stringify({ version, ...(node ? { engines: { node } } : {}) }))
  }
  pkg("@effect/platform-node", "4.1.0", ">=22.19.0")
  pkg("@effect/platform-node-shared", "4.1.0", ">=22.19.0")
  pkg("execa", "9.6.1", "^18.19.0 || >=20.5.0")
  return root
}

test("what each peer's packages declare is read from node_modules; a backend with no package list has none", () => {
  const root = fakeModules()
  try {
    assert.deepEqual(declaredEngines(root, ["effect", "execa", "tree-kill", "supervisor"]), {
      effect: [
        { name: "@effect/platform-node", version: "4.1.0", node: ">=22.19.0" },
        { name: "@effect/platform-node-shared", version: "4.1.0", node: ">=22.19.0" },
      ],
      execa: [{ name: "execa", version: "9.6.1", node: "^18.19.0 || >=20.5.0" }],
    })
    rmSync(join(root, "node_modules", "execa"), { recursive: true })
    assert.deepEqual(declaredEngines(root, ["execa"]), { execa: [{ name: "execa", version: null, node: null }] })
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

test("a peer runs on the newest Node of the run its packages admit, else on the newest", () => {
  const effect = [{ name: "@effect/platform-node", version: "4.1.0", node: ">=22.19.0" }]
  const nodes = [{ name: "node", version: "20.20.2" }, { name: "node22", version: "22.23.5" }, { name: "node24", version: "24.22.3" }]
  assert.equal(peerNode(effect, nodes)?.name, "node24")
  assert.equal(peerNode(effect, nodes.slice(0, 2))?.name, "node22")
  assert.equal(peerNode(effect, nodes.slice(0, 1))?.name, "node", "none admitted: the newest, with a note")
  assert.equal(peerNode(undefined, nodes)?.name, "node24", "nothing declared: the newest")
  assert.equal(peerNode(effect, []), undefined)
})

test("the note beside a column comes from the results: declarations against the Nodes the backend ran under", () => {
  const r = syntheticResults(1, undefined, undefined, ["node"], BACKENDS)
  r.backend_packages = {
    effect: [
      { name: "@effect/platform-node", version: "4.1.0", node: ">=22.19.0" },
      { name: "@effect/platform-node-shared", version: "4.1.0", node: ">=22.19.0" },
    ],
    execa: [{ name: "execa", version: "9.6.1", node: "^18.19.0 || >=20.5.0" }],
  }
  r.runtimes = [{ name: "node", version: "20.20.2", backends: [...BACKENDS] }]
  assert.deepEqual(engineNotes(r), {
    effect: "@effect/platform-node 4.1.0 declares Node >=22.19.0 in `engines`; @effect/platform-node-shared 4.1.0 declares Node >=22.19.0 in `engines`; these cells ran on Node 20.20.2.",
  })
  // The same packages on a Node they declare: nothing to say.
  r.runtimes = [{ name: "node24", version: "24.22.3", backends: [...BACKENDS] }, { name: "bun", version: "1.4.4", backends: ["supervisor"] }]
  assert.deepEqual(engineNotes(r), {})
  // A package that could not be read is said to be unchecked.
  r.backend_packages = { execa: [{ name: "execa", version: null, node: null }] }
  assert.deepEqual(engineNotes(r), { execa: "execa could not be read, so its `engines` was not checked; these cells ran on Node 24.22.3." })
  // Files written before the declarations were recorded keep their notes as written.
  delete r.backend_packages
  r.backend_notes = { effect: "as written" }
  assert.deepEqual(engineNotes(r), { effect: "as written" })
})
