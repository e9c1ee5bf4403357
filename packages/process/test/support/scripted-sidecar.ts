import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs"
import path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { ownPackage } from "../../src/self.js"
import { newReport } from "./report.js"

/**
 * How a scripted sidecar misbehaves. Each greets on stdout and on the spawn channel (`--sync-dir`, as the
 * client asks for it), answers nothing on stdin and never exits by itself, so the client must end it.
 * `silent` answers a spawn as the real sidecar does, then never says anything more (a deadlocked dispatch
 * loop: no pong, no exit); `bad-exit` answers a spawn, then sends an exit no sidecar may send on stdout;
 * each other mode answers the spawn on the spawn channel with one kind of bad frame.
 */
export type ScriptedMode = "silent" | "unknown-event" | "wrong-type" | "wrong-answer" | "bad-exit" | "not-json"

const framing = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/protocol/framing.js")).href

/**
 * A stand-in for pawwork-supervisor: a script run by this runtime (Node or Bun) that speaks the framing
 * with this package's own codec and greets with this package's version (another one is refused before any
 * request is sent). The pid it reports for a child is its own, so a client that signalled the "child"
 * would only hit the stand-in itself. Each process appends its pid to `pidsFile`, so a test can tell a
 * fresh sidecar from the last one and check that the client ended it.
 */
export function scriptedSidecar(mode: ScriptedMode): { path: string; pids(): number[] } {
  const dir = path.dirname(newReport())
  const pidsFile = path.join(dir, "scripted-sidecar.pids")
  const file = path.join(dir, `scripted-sidecar-${mode}.mjs`)
  writeFileSync(
    file,
    `#!${process.execPath}
import { spawnSync } from "node:child_process"
import { appendFileSync, constants, openSync, readSync, writeSync } from "node:fs"
import path from "node:path"
import { FrameDecoder, encodeFrame } from ${JSON.stringify(framing)}
appendFileSync(${JSON.stringify(pidsFile)}, process.pid + "\\n")
const mode = ${JSON.stringify(mode)}
const limits = { max_header: 38797312, max_payload: 16777216, max_children: 4096, output_window: 1048576, stdin_queue: 16777216 }
const hello = encodeFrame({ event: "hello", protocol: 1, version: ${JSON.stringify(ownPackage().version)}, pid: process.pid, limits })
process.stdout.write(hello)
process.stdin.on("data", () => undefined)

// The spawn channel, as the client lays it out: FIFOs \`requests\` then \`answers\` in the directory it names.
const syncDir = process.argv[process.argv.indexOf("--sync-dir") + 1]
const made = spawnSync("mkfifo", [path.join(syncDir, "requests"), path.join(syncDir, "answers")])
if (made.status !== 0) throw new Error("mkfifo: " + made.stderr)
// Read-write: opening never waits for the client's end, and this process stays the answers' only writer.
const answers = openSync(path.join(syncDir, "answers"), constants.O_RDWR)
const requests = openSync(path.join(syncDir, "requests"), constants.O_RDONLY | constants.O_NONBLOCK)
writeSync(answers, hello)
const spawned = (h) => encodeFrame({ event: "spawned", req: h.req, id: h.id, pid: process.pid, pgid: null })
const answer = {
  silent: spawned,
  "unknown-event": (h) => encodeFrame({ event: "spawnt", req: h.req, id: h.id, pid: process.pid, pgid: null }),
  "wrong-type": (h) => encodeFrame({ event: "spawned", req: h.req, id: h.id, pid: String(process.pid), pgid: null }),
  "wrong-answer": (h) => encodeFrame({ event: "written", req: h.req, id: h.id, bytes: 0 }),
  "bad-exit": spawned,
  "not-json": () => Buffer.concat([Buffer.from([0, 0, 0, 5, 0, 0, 0, 0]), Buffer.from("{nope")]),
}
const badExit = (h) => encodeFrame({ event: "exit", id: h.id, reason: "vanished", code: 0, signal: null,
  bytes: { stdout: 0, stderr: 0 }, drain: "complete", killed_pids: [], leftover_pids: [] })
const decoder = new FrameDecoder({ maxHeader: limits.max_header })
const buffer = Buffer.alloc(65536)
// Non-blocking reads on a timer: the same under Node and Bun, and the event loop stays free.
setInterval(() => {
  let n
  try {
    n = readSync(requests, buffer, 0, buffer.length, null)
  } catch (err) {
    if (err.code === "EAGAIN") return
    throw err
  }
  for (const item of decoder.push(buffer.subarray(0, n))) {
    if (!("frame" in item) || item.frame.header.op !== "spawn") continue
    const h = item.frame.header
    writeSync(answers, answer[mode](h))
    if (mode === "bad-exit") process.stdout.write(badExit(h))
  }
}, 5)
`,
  )
  chmodSync(file, 0o755)
  return {
    path: file,
    pids: () => (existsSync(pidsFile) ? readFileSync(pidsFile, "utf8").split("\n").filter(Boolean).map(Number) : []),
  }
}
