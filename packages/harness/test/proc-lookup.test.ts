import assert from "node:assert/strict"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, test } from "node:test"
import { setTimeout as sleep } from "node:timers/promises"
import type { Member } from "../src/fixture-report.js"
import { isSafeTargetPid, killIfSameProcess } from "../src/kill.js"
import { binaryPath } from "../src/paths.js"
import { reportingSleeper } from "../src/sleeper.js"
import { envScanAvailable, findByEnv, isStillRunning, leakCheckUnavailable, parseProcStart, readStat, startOf, startsOf } from "../src/procfs.js"

/*
 * The harness's process lookups on every platform: `/proc` on Linux,
 * `pawwork-fixture proc-start` elsewhere (and on Linux too, compared with
 * /proc). Against real fixture processes, whose report lines carry the start
 * token the lookups must reproduce.
 */

const linux = process.platform === "linux"
const REPORT_ENV = "PAWWORK_FIXTURE_REPORT"
const dir = mkdtempSync(join(tmpdir(), "matrix-proc-lookup-"))
const started: ChildProcess[] = []
after(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL")
  rmSync(dir, { recursive: true, force: true })
})

test("proc-start output: tokens, gone, CRLF; anything else throws", () => {
  const got = parseProcStart("10 12345\n11 gone\r\n12 1712.000042\n", [10, 11, 12])
  assert.deepEqual([...got], [[10, "12345"], [11, null], [12, "1712.000042"]])
  assert.throws(() => parseProcStart("10 12345\n", [10, 11]), /no answer for pid 11/)
  assert.throws(() => parseProcStart("10 1\n10 2\n", [10]), /answered twice/)
  assert.throws(() => parseProcStart("10 1\n99 2\n", [10]), /not asked/)
  assert.throws(() => parseProcStart("10\n", [10]), /unexpected line/)
  assert.throws(() => parseProcStart("10 a b\n", [10]), /unexpected line/)
  assert.throws(() => parseProcStart("pawwork-fixture: oops\n", [10]), /unexpected line/)
})

/** A fixture `sleep` writing to its own report (the harness's reportingSleeper), tracked for the cleanup. */
async function fixtureSleeper(name: string, env: Record<string, string> = {}): Promise<{ member: Member; child: ChildProcess; report: string }> {
  const report = join(dir, `${name}.jsonl`)
  const { member, child } = await reportingSleeper(binaryPath("pawwork-fixture"), report, env)
  started.push(child)
  return { member, child, report }
}

const exited = (c: ChildProcess) => new Promise((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve(null) : c.once("exit", resolve)))

test("the leak check is available here", () => {
  assert.equal(leakCheckUnavailable(), null)
})

test("no signal for pid 0, 1, negatives, fractions, this process, its parent or its group leader", () => {
  for (const pid of [0, 1, -1, -2, 1.5, process.pid, process.ppid, 2 ** 31]) assert.equal(isSafeTargetPid(pid), false, `pid ${pid}`)
  const group = readStat(process.pid)?.pgrp
  if (linux && group !== undefined) assert.equal(isSafeTargetPid(group), false, "our own group leader")
})

test("a live fixture process reads as alive with the token it reported, then as gone once killed", async () => {
  const { member, child } = await fixtureSleeper("live")
  assert.equal(startOf(member.pid), member.start)
  assert.ok(isStillRunning(member.pid, member.start))
  assert.equal(isStillRunning(member.pid, `${member.start}0`), false, "another token is another process")
  assert.equal(killIfSameProcess(member.pid, `${member.start}0`), false, "never kills a recycled pid")
  assert.equal(killIfSameProcess(member.pid, member.start), true)
  await exited(child)
  assert.equal(startOf(member.pid) === member.start, false)
})

test("one batched lookup answers every pid, dead and invalid ones as null", async () => {
  const a = await fixtureSleeper("batch-a")
  const b = await fixtureSleeper("batch-b")
  b.child.kill("SIGKILL")
  await exited(b.child)
  const got = startsOf([a.member.pid, b.member.pid, 0, -3])
  assert.equal(got.get(a.member.pid), a.member.start)
  assert.notEqual(got.get(b.member.pid), b.member.start)
  assert.equal(got.get(0), null)
  assert.equal(got.get(-3), null)
  a.child.kill("SIGKILL")
  await exited(a.child)
})

test("the environment scan finds a tree member by its marker where one exists, and says so elsewhere", async () => {
  const marker = join(dir, "marker.jsonl")
  const { member, child } = await fixtureSleeper("env", { [REPORT_ENV]: marker })
  const found = findByEnv(REPORT_ENV, marker)
  if (envScanAvailable()) {
    assert.deepEqual(found.map((s) => [s.pid, s.start]), [[member.pid, member.start]])
  } else {
    assert.equal(process.platform, "win32", "only Windows lacks the scan")
    assert.deepEqual(found, [])
  }
  child.kill("SIGKILL")
  await exited(child)
})

test("Linux: /proc and proc-start agree on live, dead and zombie processes", { skip: !linux && "compares /proc with proc-start (Linux only)" }, async () => {
  const { member, child } = await fixtureSleeper("agree")
  // A zombie that must exist: perl forks a child that exits at once, and the parent never waits (SIGCHLD
  // keeps its default disposition, so nothing reaps it while perl sleeps). A shell cannot be trusted with
  // this: it may reap its background job before it execs, so the zombie a `true & exec sleep` relies on
  // may never exist. perl is part of every Debian and Ubuntu system (perl-base is essential).
  const parent = spawn("perl", ["-e", "my $c = fork() // die; exit 0 if $c == 0; print \"$c\\n\"; sleep 30"], {
    stdio: ["ignore", "pipe", "ignore"],
  })
  started.push(parent)
  const zombie = Number(await new Promise<string>((resolve) => parent.stdout!.once("data", (d: Buffer) => resolve(d.toString()))))
  // The child exits right after the fork; the bound only turns a hang into a failure.
  const deadline = performance.now() + 20_000
  while (readStat(zombie)?.state !== "Z") {
    assert.ok(performance.now() < deadline, "perl's child became a zombie")
    await sleep(10)
  }
  const pids = [member.pid, process.pid, zombie, 0x7ffffff0]
  const fromProc = startsOf(pids, "procfs")
  assert.deepEqual([...startsOf(pids, "fixture")], [...fromProc])
  assert.equal(fromProc.get(member.pid), member.start)
  assert.equal(fromProc.get(process.pid), readStat(process.pid)!.start)
  assert.equal(fromProc.get(zombie), null, "a zombie is gone")
  assert.equal(fromProc.get(0x7ffffff0), null)
  for (const c of [child, parent]) c.kill("SIGKILL")
  await Promise.all([exited(child), exited(parent)])
})
