import assert from "node:assert/strict"
import { test } from "node:test"
import { isStillRunning, parseStat, readStat } from "../src/procfs.js"

test("stat parsing survives spaces and parentheses in the command name", () => {
  const line = "4242 (we ird) (name)) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10"
  const s = parseStat(line)
  assert.deepEqual(s, { pid: 4242, comm: "we ird) (name)", state: "S", ppid: 1, pgrp: 4242, session: 4242, utime: 1, stime: 2, start: "987654" })
})

test("a stat line cut short or without a name is refused", () => {
  assert.equal(parseStat("4242 S 1 4242"), null)
  assert.equal(parseStat("4242 (sleep) S 1 4242 4242"), null)
})

test("this process reads as running with its own start time, and not with another", () => {
  const me = readStat(process.pid)
  assert.ok(me)
  assert.equal(me.pid, process.pid)
  assert.ok(isStillRunning(process.pid, me.start))
  assert.equal(isStillRunning(process.pid, `${me.start}0`), false)
})
