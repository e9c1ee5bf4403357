// Replays the golden transcripts of docs/reference/transcripts/ against the real sidecar through this package's own
// frame codec, so the TypeScript side and the Rust side (crates/supervisor/tests/transcripts.rs) are held to
// one executable definition of the protocol. The matching rules are in docs/reference/transcripts/README.md.
import assert from "node:assert/strict"
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"
import { test } from "node:test"
import { FrameDecoder, encodeFrame, type Header } from "../../src/protocol/framing.js"
import { locateSupervisor } from "../../src/supervisor/locate.js"
import { fixturePath, repoRoot } from "../support/binaries.js"

type Json = unknown
type StartSpec = { name: string; argv: string[]; ready?: number }
type Step = {
  send?: Header
  expect?: Json
  expect_output?: { id: string; stream: string }
  start?: StartSpec
  payload?: string
}
/** A process a `start` step ran outside the sidecar, with its report file. */
type Started = { child: ChildProcess; report: string }

const dir = path.join(repoRoot, "docs", "reference", "transcripts")

/** "*" matches anything; objects need equal key sets unless the expectation has "...": true. */
export function matches(expected: Json, actual: Json): boolean {
  if (expected === "*") return true
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && expected.length === actual.length && expected.every((e, i) => matches(e, actual[i]))
  }
  if (expected !== null && typeof expected === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return false
    const e = expected as Record<string, Json>
    const a = actual as Record<string, Json>
    const open = e["..."] === true
    if (!open && Object.keys(a).some((k) => !(k in e))) return false
    return Object.entries(e).every(([k, v]) => k === "..." || (k in a && matches(v, a[k])))
  }
  return expected === actual
}

/** `$FIXTURE` becomes the fixture's path, `$PID:name` the pid (a number) of a started process. */
function substitute(v: Json, fixture: string, started: Map<string, Started> = new Map()): Json {
  if (v === "$FIXTURE") return fixture
  if (typeof v === "string" && v.startsWith("$PID:")) {
    const pid = started.get(v.slice("$PID:".length))?.child.pid
    assert.ok(pid !== undefined, `${v}: no process started under that name`)
    return pid
  }
  if (Array.isArray(v)) return v.map((x) => substitute(x, fixture, started))
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v as Record<string, Json>).map(([k, x]) => [k, substitute(x, fixture, started)]),
    )
  }
  return v
}

/** [pid, start] of every `pid` line in a fixture report. */
function reported(report: string): [number, string][] {
  if (!existsSync(report)) return []
  return readFileSync(report, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .flatMap((l) => {
      try {
        const line = JSON.parse(l) as { kind?: string; pid?: number; start?: string }
        return line.kind === "pid" && typeof line.pid === "number" && typeof line.start === "string"
          ? [[line.pid, line.start] as [number, string]]
          : []
      } catch {
        return [] // a line still being written
      }
    })
}

/** Which of `procs` still run as the same process (same start time), per `pawwork-fixture proc-start`. */
function survivors(fixture: string, procs: [number, string][]): [number, string][] {
  if (procs.length === 0) return []
  const out = execFileSync(fixture, ["proc-start", ...procs.map(([pid]) => String(pid))], { encoding: "utf8" })
  const now = new Map(out.split("\n").map((l) => l.split(" ") as [string, string]))
  return procs.filter(([pid, start]) => now.get(String(pid)) === start)
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

async function startStep(spec: StartSpec, fixture: string, file: string, step: number): Promise<Started> {
  const report = path.join(tmpdir(), `pawwork-transcript-ts-${process.pid}-${spec.name}-${step}.report`)
  rmSync(report, { force: true })
  const argv = spec.argv.map((a) => substitute(a, fixture) as string)
  const child = spawn(argv[0], argv.slice(1), {
    stdio: "ignore",
    env: { ...process.env, PAWWORK_FIXTURE_REPORT: report },
  })
  const deadline = Date.now() + 20_000
  while (spec.ready !== undefined && reported(report).length < spec.ready) {
    assert.ok(Date.now() < deadline, `${file}: start ${spec.name}: ${spec.ready} pid lines never came`)
    await sleep(20)
  }
  return { child, report }
}

/**
 * Every process a started tree reported must be gone within the hang guard. Survivors are killed (pid > 1,
 * start time re-checked just before) and fail the replay; the root, our own child, is killed if still running.
 */
async function finishStarted(file: string, fixture: string, started: Map<string, Started>, check: boolean) {
  const leaked: string[] = []
  for (const [name, s] of started) {
    const procs = reported(s.report)
    const deadline = Date.now() + (check ? 20_000 : 0)
    let left = survivors(fixture, procs)
    while (left.length > 0 && Date.now() < deadline) {
      await sleep(50)
      left = survivors(fixture, procs)
    }
    for (const [pid] of survivors(fixture, left)) {
      if (pid > 1 && pid !== process.pid) process.kill(pid, "SIGKILL")
    }
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill("SIGKILL")
    rmSync(s.report, { force: true })
    leaked.push(...left.map(([pid]) => `${name}:${pid}`))
  }
  if (check) assert.deepEqual(leaked, [], `${file}: processes of started trees survived`)
}

async function replay(file: string): Promise<void> {
  const steps = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as Step[]
  const proc = spawn(locateSupervisor(), [], { stdio: ["pipe", "pipe", "inherit"] })
  const decoder = new FrameDecoder()
  const queue: Header[] = []
  const output = new Map<string, Buffer[]>()
  let wake: (() => void) | null = null
  const send = (h: Header, payload = Buffer.alloc(0)) => proc.stdin.write(encodeFrame(h, payload))
  proc.stdout.on("data", (chunk: Buffer) => {
    for (const item of decoder.push(chunk)) {
      assert.ok("frame" in item, `the sidecar sent a bad frame: ${"error" in item ? item.error.message : ""}`)
      const { header, payload } = item.frame
      if (header.event === "output") {
        const key = `${header.id}/${header.stream}`
        output.set(key, [...(output.get(key) ?? []), payload])
        send({ op: "ack", id: header.id, bytes: payload.length })
      } else {
        queue.push(header)
      }
    }
    wake?.()
  })
  const next = async (): Promise<Header> => {
    const deadline = Date.now() + 20_000
    while (queue.length === 0) {
      assert.ok(Date.now() < deadline, `${file}: no event within the hang guard`)
      await new Promise<void>((resolve) => {
        wake = resolve
        setTimeout(resolve, 100)
      })
    }
    return queue.shift()!
  }
  const hello = await next()
  assert.equal(hello.event, "hello")
  assert.equal(hello.protocol, 1)
  const fixture = fixturePath()
  const started = new Map<string, Started>()
  try {
    for (const [i, step] of steps.entries()) {
      const payload = Buffer.from(step.payload ?? "", "utf8")
      if (step.start) started.set(step.start.name, await startStep(step.start, fixture, file, i))
      else if (step.send) send(substitute(step.send, fixture, started) as Header, payload)
      else if (step.expect !== undefined) {
        const expected = substitute(step.expect, fixture, started)
        const ev = await next()
        assert.ok(matches(expected, ev), `${file} step ${i}: expected ${JSON.stringify(expected)}\n got ${JSON.stringify(ev)}`)
      } else if (step.expect_output) {
        const got = Buffer.concat(output.get(`${step.expect_output.id}/${step.expect_output.stream}`) ?? [])
        assert.equal(got.toString("utf8"), payload.toString("utf8"), `${file} step ${i}: output`)
      } else assert.fail(`${file} step ${i}: unknown step`)
    }
    const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)))
    proc.stdin.end()
    assert.equal(await exited, 0, `${file}: the sidecar's exit code`)
    await finishStarted(file, fixture, started, true)
  } finally {
    // A replay that failed half-way still leaves nothing it started running.
    await finishStarted(file, fixture, started, false)
  }
}

for (const file of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
  test(`transcript ${file} replays against the real sidecar`, { timeout: 30_000 }, () => replay(file))
}

test("the transcript matcher rejects what it should", () => {
  assert.ok(matches({ a: "*" }, { a: [1] }))
  assert.ok(!matches({ a: 1 }, { a: 1, b: 2 }))
  assert.ok(matches({ a: 1, "...": true }, { a: 1, b: 2 }))
  assert.ok(!matches([1, 2], [1]))
  assert.ok(!matches({ a: null }, {}))
})
