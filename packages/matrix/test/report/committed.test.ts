import assert from "node:assert/strict"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { test } from "node:test"
import { paths } from "../../src/paths.js"
import { readResults, writeJson } from "../../src/report/json.js"
import { renderReport } from "../../src/report/markdown.js"
import { syntheticResults } from "../helpers/synthetic.js"

const docs = join(paths().root, "docs", "results")
const reports = readdirSync(docs).filter((f) => /^report-[a-z0-9]+\.md$/.test(f)).sort()
const key = (report: string) => report.slice("report-".length, -".md".length)

test("a results.json renders to the same bytes after a round trip through the file, every time", async () => {
  const dir = mkdtempSync(join(tmpdir(), "matrix-render-"))
  try {
    const r = syntheticResults(3)
    r.commit = "0123456789abcdef0123456789abcdef01234567"
    const first = await renderReport(r)
    const again = await renderReport(readResults(writeJson(dir, r)))
    assert.equal(again, first)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

// Each committed report is what its committed results render to: every sentence traces to that file.
for (const report of reports) {
  const json = join(docs, `results-${key(report)}.json`)
  if (!existsSync(json)) continue // the next test fails for it: a report without its data is not auditable
  test(`docs/results/${report} is rendered from docs/results/results-${key(report)}.json byte for byte`, async () => {
    assert.equal(await renderReport(readResults(json)), readFileSync(join(docs, report), "utf8"))
  })
}

test("every committed report has its results.json beside it (npm run matrix -- --publish writes both)", () => {
  assert.ok(reports.length > 0, "no docs/results/report-*.md found")
  const missing = reports.filter((r) => !existsSync(join(docs, `results-${key(r)}.json`)))
  assert.deepEqual(missing, [], `regenerate with --publish: ${missing.map((r) => `docs/results/results-${key(r)}.json`).join(", ")} missing`)
})
