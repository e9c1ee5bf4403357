import assert from "node:assert/strict"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { test } from "node:test"
import { speedAndLoadSection } from "../../src/report/appendix.js"

test("without bench.json the section says it was not measured and where the committed figures are", async () => {
  const dir = mkdtempSync(join(tmpdir(), "matrix-appendix-"))
  try {
    const md = await speedAndLoadSection(dir)
    assert.match(md, /^## Speed, memory and load/)
    assert.match(md, /Not measured in this run/)
    assert.match(md, /docs\/bench-linux\.md/)
    assert.match(md, /docs\/load-and-hostile-input\.md/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test("a bench.json beside the report goes through the benchmark package's own reader", async () => {
  const dir = mkdtempSync(join(tmpdir(), "matrix-appendix-"))
  try {
    // The benchmark package's reader (not a copy here) checks the schema: a file that is not a benchmark is
    // refused with its message, which proves the section goes through that package.
    writeFileSync(join(dir, "bench.json"), JSON.stringify({ schema: "something-else" }))
    const md = await speedAndLoadSection(dir)
    assert.match(md, /could not be included: .*not a pawwork-bench\/1 file/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
