import assert from "node:assert/strict"
import { appendFileSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, test } from "node:test"
import { FixtureReport, parseReport, readReport, reportedPids } from "../src/fixture-report.js"

const dir = mkdtempSync(join(tmpdir(), "harness-report-test-"))
after(() => rmSync(dir, { recursive: true, force: true }))

const pidLine = (pid: number, role: string) => JSON.stringify({ kind: "pid", pid, ppid: 1, start: `${pid}00`, role })

test("an unterminated last line is not parsed until its newline arrives", () => {
  const path = join(dir, "partial.jsonl")
  appendFileSync(path, `${pidLine(10, "root")}\n${pidLine(11, "child").slice(0, 20)}`)
  const r = new FixtureReport(path)
  assert.deepEqual([...r.poll().members.keys()], [10])
  assert.deepEqual(reportedPids(path).map((l) => l.pid), [10])
  appendFileSync(path, `${pidLine(11, "child").slice(20)}\n`)
  assert.deepEqual([...r.poll().members.keys()], [10, 11])
  assert.equal(r.root()?.pid, 10)
  assert.deepEqual(reportedPids(path).map((l) => l.role), ["root", "child"])
})

test("every kind of line is taken; lines that are not JSON are skipped", () => {
  const text = [
    pidLine(20, "root"),
    "not json",
    JSON.stringify({ kind: "signal", pid: 20, signal: "SIGTERM" }),
    JSON.stringify({ kind: "wrote", pid: 20, stream: "stdout", total: 5 }),
    JSON.stringify({ kind: "wrote", pid: 20, stream: "stdout", total: 3 }),
    JSON.stringify({ kind: "event", pid: 20, what: "ready" }),
    "",
  ].join("\n")
  assert.equal(parseReport(text).length, 5)
  const path = join(dir, "kinds.jsonl")
  appendFileSync(path, text)
  const r = new FixtureReport(path).poll()
  assert.deepEqual(r.signals.get(20), ["SIGTERM"])
  assert.equal(r.wroteTotal("stdout"), 5, "the highest total, not the last")
  assert.ok(r.hasEvent("ready"))
})

test("a report not written yet reads as empty", () => {
  assert.deepEqual(readReport(join(dir, "missing.jsonl")), [])
  assert.equal(new FixtureReport(join(dir, "missing.jsonl")).poll().members.size, 0)
})
