import assert from "node:assert/strict"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { test } from "node:test"
import { readResults, writeJson } from "../../src/report/json.js"
import { renderReport } from "../../src/report/markdown.js"
import { FLAKE, syntheticResults } from "../helpers/synthetic.js"

/*
 * results.json files written before the matrix's cases were called scenarios (the committed reports of
 * that time, CI artifacts) say `fixtures` and `fixture`. They must read as the new keys and render the same.
 */
test("a results.json with the old fixture keys reads and renders as the same file with the scenario keys", async () => {
  const dir = mkdtempSync(join(tmpdir(), "matrix-old-keys-"))
  try {
    const r = syntheticResults(1)
    r.flakes = { source: "docs/reference/flakes.md", entries: [{ ...FLAKE, scenario: "tree-wide", backend: "supervisor", platform: "linux" }] }
    const current = writeJson(join(dir, "new"), r)
    const { scenarios, cells, flakes, ...rest } = r
    const old = {
      ...rest,
      fixtures: scenarios,
      cells: cells.map(({ scenario, ...c }) => ({ fixture: scenario, ...c })),
      flakes: { ...flakes, entries: flakes.entries.map(({ scenario, ...e }) => ({ fixture: scenario, ...e })) },
    }
    const oldPath = join(dir, "old.json")
    writeFileSync(oldPath, JSON.stringify(old, null, 2))
    assert.doesNotMatch(JSON.stringify(old), /"scenarios?"/, "the old file has none of the new keys")

    const fromOld = readResults(oldPath)
    assert.deepEqual(fromOld, readResults(current))
    assert.equal(fromOld.cells[0]!.scenario, "tree-deep")
    assert.equal(fromOld.flakes.entries[0]!.scenario, "tree-wide")
    assert.ok(!("fixture" in fromOld.cells[0]!) && !("fixtures" in fromOld), "no old key is left beside the new one")
    assert.equal(await renderReport(fromOld), await renderReport(readResults(current)))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
