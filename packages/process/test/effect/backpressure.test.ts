// Back-pressure through the Effect layer: a consumer that pulls slowly holds the sidecar's memory flat,
// because the Stream acks output only as it is pulled and the sidecar stops reading a child whose credit
// window (1 MiB, docs/reference/protocol.md "Flow control") is used up. The child then blocks in write(2).
import assert from "node:assert/strict"
import { readFileSync } from "node:fs"
import { test } from "node:test"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as ChildProcess from "effect/process/ChildProcess"
import { fixture } from "../support/binaries.js"
import { promise, rssKiB, run, spawner } from "../support/effect.js"
import { countPids, reportedPids, waitForReport } from "../support/report.js"
import { trackedReports } from "../support/tracked-reports.js"

const report = trackedReports()

const FLOOD = 64 * 1024 * 1024
const WINDOW = 1024 * 1024
/**
 * The bound on the sidecar's RSS growth while the consumer is slow: the window it may hold unacked
 * (1 MiB), its read buffers and the frame being written (a few hundred KiB), allocator slack (freed
 * chunks the allocator keeps). 8 MiB is all of that with room to spare, and an eighth of the flood: a
 * sidecar that read on regardless would grow by tens of MiB in the slow phase below.
 */
const RSS_GROWTH_BOUND_KIB = 8 * 1024

/** `length` bytes of the fixture's pattern from `offset` (16-byte lines, so start at the line holding it). */
function patternAt(offset: number, length: number): Buffer {
  const first = Math.floor(offset / 16)
  const lines = Math.ceil((offset + length) / 16) - first
  let text = ""
  for (let k = first; k < first + lines; k++) text += k.toString(16).padStart(15, "0") + "\n"
  return Buffer.from(text).subarray(offset - first * 16, offset - first * 16 + length)
}

test("a slow consumer holds the sidecar's memory flat while a child floods 64 MiB", { timeout: 60_000 }, async () => {
  const file = report()
  const [program, ...args] = fixture(file, "flood", "--bytes", String(FLOOD))
  const result = await run(Effect.gen(function* () {
    const sp = yield* spawner
    const handle = yield* sp.spawn(ChildProcess.make(program!, args))
    yield* promise(() => waitForReport(file, countPids(1), "the flood's root"))
    // The sidecar is the root's parent: it forks every child itself.
    const sidecar = reportedPids(file)[0]!.ppid
    const name = readFileSync(`/proc/${sidecar}/comm`, "utf8").trim()
    const baseline = rssKiB(sidecar)!
    let peak = baseline
    let received = 0
    let checked = true
    const samples: number[] = []
    const slowUntil = Date.now() + 2_000
    yield* Stream.runForEach(handle.stdout, (chunk) =>
      Effect.gen(function* () {
        // Check every chunk against the pattern at its offset: no byte lost, duplicated or reordered.
        if (checked && !patternAt(received, chunk.length).equals(Buffer.from(chunk))) checked = false
        received += chunk.length
        const rss = rssKiB(sidecar)
        if (rss !== null) {
          peak = Math.max(peak, rss)
          samples.push(rss)
        }
        // Slow for two seconds (a 20 ms pause per chunk), then at full speed to finish.
        if (Date.now() < slowUntil) yield* Effect.sleep(20)
      }),
    )
    return { name, baseline, peak, received, checked, samples: samples.length, code: yield* handle.exitCode }
  }))
  assert.equal(result.name, "pawwork-supervi") // comm is cut at 15 characters
  assert.equal(result.received, FLOOD)
  assert.ok(result.checked, "every byte in pattern order")
  assert.equal(result.code, 0)
  assert.ok(result.samples > 50, `sampled ${result.samples} times`)
  const growth = result.peak - result.baseline
  assert.ok(growth < RSS_GROWTH_BOUND_KIB, `sidecar RSS grew by ${growth} KiB (window ${WINDOW / 1024} KiB)`)
})
