import assert from "node:assert/strict"
import { test } from "node:test"
import { PatternCheck, patternBytes } from "../src/pattern.js"

test("the pattern is 16-byte lines of 15 hex digits", () => {
  assert.equal(patternBytes(0, 32).toString(), "000000000000000\n000000000000001\n")
  assert.equal(patternBytes(16 * 255 + 12, 8).toString(), "0ff\n0000")
})

test("an intact stream in odd-sized chunks passes", () => {
  const all = patternBytes(0, 10_000)
  const check = new PatternCheck()
  for (let i = 0; i < all.length; i += 333) check.take(all.subarray(i, i + 333))
  assert.equal(check.total, 10_000)
  assert.ok(check.intact)
})

test("a lost chunk is caught, also when only chunk edges are sampled", () => {
  const all = patternBytes(0, 64 * 1024)
  for (const sample of [false, true]) {
    const check = new PatternCheck(sample)
    check.take(all.subarray(0, 4096))
    check.take(all.subarray(8192, 12288))
    assert.equal(check.intact, false, `sample=${sample}`)
    // the first differing byte is inside the first line after the gap
    assert.ok(check.firstBadOffset! >= 4096 && check.firstBadOffset! < 4096 + 16, `offset ${check.firstBadOffset}`)
  }
})

test("a flipped byte inside a fully checked chunk is located", () => {
  const buf = Buffer.from(patternBytes(0, 256))
  buf[100] = 0x7a
  const check = new PatternCheck()
  check.take(buf)
  assert.equal(check.firstBadOffset, 100)
})
