import assert from "node:assert/strict"
import { join } from "node:path"
import { test } from "node:test"
import { SCENARIOS } from "../src/scenarios/index.js"
import { EMPTY_REGISTER, findFlake, FlakeRegisterError, flakePlatform, parseFlakes, readFlakes } from "../src/flakes.js"
import { repoRoot } from "../src/paths.js"
import { detectPlatform } from "../src/platform.js"
import { BACKENDS } from "../src/types.js"

// The .md scenarios are not compiled: read them from the source tree.
const dir = join(repoRoot(), "packages", "matrix", "test", "fixtures")
const known = { scenarios: SCENARIOS.map((f) => f.name), backends: BACKENDS }
const HEAD = "| id | scenario | backend | platform | symptom | suspected cause | treatment |\n|---|---|---|---|---|---|---|\n"

/** The FlakeRegisterError that parsing `rows` under the header throws (fails the test when none is thrown). */
function parseError(rows: string): string {
  try {
    parseFlakes(`# register\n\n${HEAD}${rows}`, "flakes.md", known)
  } catch (err) {
    assert.ok(err instanceof FlakeRegisterError, String(err))
    return err.message
  }
  assert.fail(`no error for ${JSON.stringify(rows)}`)
}

test("a good register: every row of its one table, text and other tables around it ignored", () => {
  const r = readFlakes(join(dir, "flakes-good.md"), known, "flakes-good.md")
  assert.equal(r.source, "flakes-good.md")
  assert.deepEqual(
    r.entries.map((e) => [e.id, e.scenario, e.backend, e.platform, e.retries, e.line]),
    [
      ["drain-race-exit-first", "timeout-drain-race", "baseline", "linux", 2, 11],
      ["wine-half-started", "*", "supervisor", "wine", 5, 12],
      ["storm-any", "fork-storm", "*", "*", 1, 13],
    ],
  )
  assert.equal(r.entries[0]!.symptom, "exit reported before all written bytes arrived")
  assert.equal(r.entries[0]!.suspected_cause, "libuv may see SIGCHLD before the pipe's last readiness")
  assert.equal(r.entries[2]!.symptom, "leaked: storm | once in a while", "an escaped bar is text, not a cell border")
})

test("a row that does not parse is an error naming its line", () => {
  assert.throws(() => readFlakes(join(dir, "flakes-bad-row.md"), known), (err: Error) => {
    assert.ok(err instanceof FlakeRegisterError)
    assert.match(err.message, /flakes-bad-row\.md:6: treatment "retry forever" is not "retry N" with N from 1 to 5/)
    return true
  })
})

test("a missing file is an empty register", () => {
  const r = readFlakes(join(dir, "no-such-register.md"), known)
  assert.deepEqual(r, EMPTY_REGISTER)
  assert.equal(r.entries.length, 0)
})

test("every field is checked, and the error says which line and why", () => {
  const row = (cells: string[]) => `| ${cells.join(" | ")} |\n`
  const ok = ["x", "tree-deep", "baseline", "linux", "leaked: node", "slow pgrep", "retry 1"]
  const at = (i: number, v: string) => row(ok.map((c, k) => (k === i ? v : c)))
  assert.match(parseError(at(0, "Not A Slug")), /^flakes\.md:5: id "Not A Slug" is not a short slug/)
  assert.match(parseError(at(1, "tree-deeper")), /:5: unknown scenario "tree-deeper"/)
  assert.match(parseError(at(2, "bun")), /:5: unknown backend "bun"/)
  assert.match(parseError(at(3, "freebsd")), /:5: unknown platform "freebsd" \(linux, darwin, win32, wine or \*\)/)
  assert.match(parseError(at(4, "")), /:5: empty symptom/)
  assert.match(parseError(at(5, "")), /:5: empty suspected cause/)
  for (const t of ["retry 0", "retry 6", "retry", "retries 2", "skip"]) assert.match(parseError(at(6, t)), /:5: treatment/, t)
  assert.match(parseError(`${row(ok)}| y | tree-deep | baseline |\n`), /:6: 3 cells, expected 7/)
  assert.match(parseError(`${row(ok)}${row(ok)}`), /:6: id "x" is already used at line 5/)
})

test("a file without the register table, or with two, is refused rather than read as empty", () => {
  assert.throws(() => parseFlakes("# flakes\n\n| id | scenario | backend |\n|---|---|---|\n", "f.md", known), /f\.md: no register table/)
  assert.throws(() => parseFlakes(`${HEAD}\n${HEAD}`, "f.md", known), /f\.md:4: a second register table \(the first is at line 1\)/)
  assert.throws(() => parseFlakes(`${HEAD.split("\n")[0]}\n| x | y |\n`, "f.md", known), /f\.md:2: the header row must be followed by a separator row/)
})

test("a table with no rows is an empty register; the table ends at its first non-row line", () => {
  assert.deepEqual(parseFlakes(HEAD, "f.md", known).entries, [])
  const r = parseFlakes(`${HEAD}| a | * | * | * | s | c | retry 1 |\n\n| not | a | register | row |\n`, "f.md", known)
  assert.deepEqual(r.entries.map((e) => e.id), ["a"])
})

test("a cell is covered by the first entry whose scenario, backend and platform all match; * matches any", () => {
  const r = readFlakes(join(dir, "flakes-good.md"), known)
  assert.equal(findFlake(r, "timeout-drain-race", "baseline", "linux")?.id, "drain-race-exit-first")
  assert.equal(findFlake(r, "timeout-drain-race", "baseline-detached", "linux"), null, "backend must match")
  assert.equal(findFlake(r, "timeout-drain-race", "baseline", "darwin"), null, "platform must match")
  assert.equal(findFlake(r, "tree-deep", "supervisor", "wine")?.id, "wine-half-started")
  assert.equal(findFlake(r, "tree-deep", "supervisor", "win32"), null, "wine is not win32")
  assert.equal(findFlake(r, "fork-storm", "supervisor", "wine")?.id, "wine-half-started", "file order decides")
  assert.equal(findFlake(r, "fork-storm", "execa", "darwin")?.id, "storm-any")
  assert.equal(findFlake(EMPTY_REGISTER, "fork-storm", "execa", "linux"), null)
})

test("the platform key is the OS, or wine when the Windows API comes from Wine", () => {
  const here = detectPlatform()
  assert.equal(flakePlatform(here), here.under_wine ? "wine" : here.os)
  assert.equal(flakePlatform({ ...here, os: "win32", under_wine: true }), "wine")
  assert.equal(flakePlatform({ ...here, os: "win32", under_wine: false }), "win32")
})
