import assert from "node:assert/strict"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { test } from "node:test"
import { benchForResults, benchMismatch, speedAndLoadSection } from "../../src/report/appendix.js"
import { syntheticResults } from "../helpers/synthetic.js"

const COMMIT = "0123456789abcdef0123456789abcdef01234567"

function withBench(bench: unknown, fn: (dir: string) => Promise<void> | void) {
  const dir = mkdtempSync(join(tmpdir(), "matrix-appendix-"))
  writeFileSync(join(dir, "bench.json"), JSON.stringify(bench))
  return Promise.resolve(fn(dir)).finally(() => rmSync(dir, { recursive: true, force: true }))
}

function thisRun() {
  const r = syntheticResults(1)
  r.commit = COMMIT
  const machine = { cores: r.platform.cpus, arch: r.platform.arch, kernel: `Linux ${r.platform.kernel}` }
  return { r, machine }
}

test("without bench.json the section says it was not measured and where the committed figures are", async () => {
  const md = await speedAndLoadSection({ bench: null })
  assert.match(md, /^## Speed, memory and load/)
  assert.match(md, /Not measured in this run/)
  assert.match(md, /docs\/results\/bench-linux\.md/)
  assert.match(md, /docs\/reference\/load-and-hostile-input\.md/)
})

test("a bench.json from another commit, or one that recorded none, is refused without a label, and the report says why", async () => {
  const { r, machine } = thisRun()
  for (const commit of ["fedcba9876543210fedcba9876543210fedcba98", undefined]) {
    await withBench({ schema: "pawwork-bench/2", commit, machine }, async (dir) => {
      const used = benchForResults(dir, r, null)
      assert.equal(used?.data, null)
      assert.match(used!.refused!, /not from this run's commit and machine \(commit .*\), and no --bench-label/)
      assert.match(await speedAndLoadSection({ bench: used }), /Not included: bench\.json is not from this run's commit/)
    })
  }
})

test("a bench.json from another machine is refused too; with a label it is kept and marked as measured elsewhere", async () => {
  const { r, machine } = thisRun()
  const other = { ...machine, cores: machine.cores + 6 }
  assert.match(benchMismatch({ commit: COMMIT, machine: other }, r).join(), /^machine /)
  assert.deepEqual(benchMismatch({ commit: COMMIT, machine }, r), [])
  await withBench({ schema: "pawwork-bench/2", commit: COMMIT, machine: other }, (dir) => {
    assert.match(benchForResults(dir, r, null)!.refused!, /machine \d+ CPUs/)
    const labelled = benchForResults(dir, r, "the 8-core CI runner, same commit")!
    assert.equal(labelled.refused, null)
    assert.ok(labelled.data)
    assert.equal(labelled.mismatch.length, 1)
  })
})

test("the section is rendered from the results alone: no file beside the report is read at render time", async (t) => {
  const { r, machine } = thisRun()
  await withBench({ schema: "something-else", commit: COMMIT, machine }, async (dir) => {
    const used = benchForResults(dir, r, null)
    const md = await speedAndLoadSection({ bench: used })
    assert.match(md, /Not included: bench\.json is not a pawwork-bench\/2 file \(schema something-else\)/)
    rmSync(join(dir, "bench.json"))
    assert.equal(await speedAndLoadSection({ bench: used }), md, "the same text once the file is gone")
  })
  t.diagnostic("rendered from results.bench")
})

test("a bench.json of the older pawwork-bench/1 shape is refused with its schema, not rendered half", async () => {
  const { r, machine } = thisRun()
  await withBench({ schema: "pawwork-bench/1", commit: COMMIT, machine }, async (dir) => {
    const used = benchForResults(dir, r, null)
    assert.equal(used?.data, null)
    assert.match(await speedAndLoadSection({ bench: used }), /Not included: bench\.json is not a pawwork-bench\/2 file \(schema pawwork-bench\/1\)/)
  })
})
