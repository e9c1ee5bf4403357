import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs"
import path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { ownPackage } from "../../src/self.js"
import { newReport } from "./report.js"

/**
 * How a scripted sidecar misbehaves: `silent` greets, then reads every request and answers none (a
 * deadlocked dispatch loop); each other mode greets, then answers the first `spawn` with one kind of bad
 * event and goes on reading (it never exits by itself, so the client must end it).
 */
export type ScriptedMode = "silent" | "unknown-event" | "wrong-type" | "wrong-answer" | "bad-exit" | "not-json"

const framing = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/protocol/framing.js")).href

/**
 * A stand-in for pawwork-supervisor: a script run by this runtime (Node or Bun) that speaks the framing
 * with this package's own codec and greets with this package's version (another one is refused before any
 * request is sent). Each process appends its pid to `pidsFile`, so a test can tell a fresh
 * sidecar from the last one and check that the client ended it.
 */
export function scriptedSidecar(mode: ScriptedMode): { path: string; pids(): number[] } {
  const dir = path.dirname(newReport())
  const pidsFile = path.join(dir, "scripted-sidecar.pids")
  const file = path.join(dir, `scripted-sidecar-${mode}.mjs`)
  writeFileSync(
    file,
    `#!${process.execPath}
import { appendFileSync } from "node:fs"
import { FrameDecoder, encodeFrame } from ${JSON.stringify(framing)}
appendFileSync(${JSON.stringify(pidsFile)}, process.pid + "\\n")
const mode = ${JSON.stringify(mode)}
const limits = { max_header: 38797312, max_payload: 16777216, max_children: 4096, output_window: 1048576, stdin_queue: 16777216 }
process.stdout.write(encodeFrame({ event: "hello", protocol: 1, version: ${JSON.stringify(ownPackage().version)}, pid: process.pid, limits }))
const bad = {
  "unknown-event": (h) => encodeFrame({ event: "spawnt", req: h.req, id: h.id, pid: 5001, pgid: 5001 }),
  "wrong-type": (h) => encodeFrame({ event: "spawned", req: h.req, id: h.id, pid: "5001", pgid: null }),
  "wrong-answer": (h) => encodeFrame({ event: "written", req: h.req, id: h.id, bytes: 0 }),
  "bad-exit": (h) => Buffer.concat([
    encodeFrame({ event: "spawned", req: h.req, id: h.id, pid: 5001, pgid: 5001 }),
    encodeFrame({ event: "exit", id: h.id, reason: "vanished", code: 0, signal: null, bytes: { stdout: 0, stderr: 0 },
      drain: "complete", killed_pids: [], leftover_pids: [] }),
  ]),
  "not-json": () => Buffer.concat([Buffer.from([0, 0, 0, 5, 0, 0, 0, 0]), Buffer.from("{nope")]),
}
const decoder = new FrameDecoder({ maxHeader: limits.max_header })
process.stdin.on("data", (chunk) => {
  for (const item of decoder.push(chunk)) {
    if (!("frame" in item) || mode === "silent" || item.frame.header.op !== "spawn") continue
    process.stdout.write(bad[mode](item.frame.header))
  }
})
`,
  )
  chmodSync(file, 0o755)
  return {
    path: file,
    pids: () => (existsSync(pidsFile) ? readFileSync(pidsFile, "utf8").split("\n").filter(Boolean).map(Number) : []),
  }
}
