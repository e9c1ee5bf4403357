// Replays the golden transcripts of docs/transcripts/ against the real sidecar through this package's own
// frame codec, so the TypeScript side and the Rust side (crates/supervisor/tests/transcripts.rs) are held to
// one executable definition of the protocol. The matching rules are in docs/transcripts/README.md.
import assert from "node:assert/strict"
import { spawn } from "node:child_process"
import { readFileSync, readdirSync } from "node:fs"
import path from "node:path"
import { test } from "node:test"
import { FrameDecoder, encodeFrame, type Header } from "../src/protocol/framing.js"
import { locateSupervisor } from "../src/supervisor/locate.js"
import { fixturePath, repoRoot } from "./support/binaries.js"

type Json = unknown
type Step = { send?: Header; expect?: Json; expect_output?: { id: string; stream: string }; payload?: string }

const dir = path.join(repoRoot, "docs", "transcripts")

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

function substitute(v: Json, fixture: string): Json {
  if (v === "$FIXTURE") return fixture
  if (Array.isArray(v)) return v.map((x) => substitute(x, fixture))
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v as Record<string, Json>).map(([k, x]) => [k, substitute(x, fixture)]))
  }
  return v
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
  for (const [i, step] of steps.entries()) {
    const payload = Buffer.from(step.payload ?? "", "utf8")
    if (step.send) send(substitute(step.send, fixture) as Header, payload)
    else if (step.expect !== undefined) {
      const ev = await next()
      assert.ok(matches(step.expect, ev), `${file} step ${i}: expected ${JSON.stringify(step.expect)}\n got ${JSON.stringify(ev)}`)
    } else if (step.expect_output) {
      const got = Buffer.concat(output.get(`${step.expect_output.id}/${step.expect_output.stream}`) ?? [])
      assert.equal(got.toString("utf8"), payload.toString("utf8"), `${file} step ${i}: output`)
    } else assert.fail(`${file} step ${i}: unknown step`)
  }
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)))
  proc.stdin.end()
  assert.equal(await exited, 0, `${file}: the sidecar's exit code`)
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
