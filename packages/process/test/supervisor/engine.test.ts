import assert from "node:assert/strict"
import { execFile } from "node:child_process"
import { chmodSync, readFileSync, writeFileSync } from "node:fs"
import path from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { fileURLToPath } from "node:url"
import { describe, test } from "node:test"
import {
  createProcess,
  SupervisorDiedError,
  SupervisorNotFoundError,
  SupervisorProtocolError,
  SupervisorVersionError,
  type SupervisedChild,
} from "../../src/index.js"
import { GUARD } from "../support/backends.js"
import { fixture, repoRoot } from "../support/binaries.js"
import { waitAllGone } from "../support/leaks.js"
import { pattern } from "../support/pattern.js"
import { countPids, newReport, reportedPids, waitForReport } from "../support/report.js"
import { trackedReports } from "../support/tracked-reports.js"

/* Guarantees only the supervisor backend gives: its own API surface and its failure handling. */
const proc = createProcess({ backend: "supervisor" })
const report = trackedReports(proc)

/** Gone or a zombie, read from /proc (the sidecar is not in any fixture report). */
function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return /^[ZX]/.test(stat.slice(stat.lastIndexOf(")") + 2))
  } catch {
    return true
  }
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) return false
    await sleep(25)
  }
  return true
}

describe("supervisor backend only", () => {
  test("cancel() runs the ladder and resolves with the outcome", GUARD, async () => {
    const file = report()
    const child = proc.spawn(fixture(file, "tree", "--depth", "1", "--width", "2")) as SupervisedChild
    await waitForReport(file, countPids(3), "root and 2 children")
    const outcome = await child.cancel({ signal: "SIGINT", graceMs: 2_000 })
    assert.equal(outcome.reason, "cancelled")
    assert.equal(outcome.signal, "SIGINT")
    assert.equal(await child.exited, 1)
    assert.deepEqual(await waitAllGone(file), [])
  })

  test("signal() reaches every process of the tree", GUARD, async () => {
    const file = report()
    const child = proc.spawn(fixture(file, "trap", "--depth", "1", "--width", "2")) as SupervisedChild
    await waitForReport(file, countPids(3), "root and 2 children")
    const pids = await child.signal("SIGUSR1")
    const tree = reportedPids(file).map((p) => p.pid)
    for (const pid of tree) assert.ok(pids.includes(pid), `signalled ${pids}, tree ${tree}`)
    await waitForReport(
      file,
      (lines) => tree.every((pid) => lines.some((l) => l.kind === "signal" && l.pid === pid && l.signal === "SIGUSR1")),
      "SIGUSR1 received by every node",
    )
    await proc.stop(child)
    assert.deepEqual(await waitAllGone(file), [])
  })

  test("kill(SIGKILL) ends the whole tree as a cancel", GUARD, async () => {
    const file = report()
    const child = proc.spawn(fixture(file, "ignore-term", "--children", "2"))
    await waitForReport(file, countPids(3), "root and 2 children")
    assert.equal(child.kill("SIGKILL"), true)
    const outcome = await child.outcome
    assert.equal(outcome.reason, "cancelled")
    assert.equal(outcome.signal, "SIGKILL")
    assert.deepEqual(await waitAllGone(file), [])
  })

  test("runTimeout ends the run with reason timed_out", GUARD, async () => {
    const file = report()
    const child = proc.spawn(fixture(file, "tree", "--depth", "1", "--width", "2"), { runTimeout: 300, timeout: 500 })
    assert.equal(await child.exited, 1)
    assert.equal((await child.outcome).reason, "timed_out")
    assert.deepEqual(await waitAllGone(file), [])
  })

  test("a large output arrives intact through the credit window", GUARD, async () => {
    const bytes = 8 * 1024 * 1024
    const out = await proc.run(fixture(null, "flood", "--bytes", String(bytes)))
    assert.equal(out.stdout.length, bytes)
    assert.ok(out.stdout.equals(pattern(bytes)), "stdout differs from the fixture pattern")
  })

  test("a SIGKILLed sidecar rejects live children with SupervisorDiedError; the next spawn starts afresh", GUARD, async () => {
    const file = report()
    const child = proc.spawn(fixture(file, "tree", "--depth", "2", "--width", "2"), { stdout: "pipe" })
    await waitForReport(file, countPids(7), "all 7 tree nodes")
    const sidecar = proc.sidecarPid
    assert.ok(sidecar !== undefined && sidecar > 1 && sidecar !== process.pid, `sidecar pid ${sidecar}`)
    process.kill(sidecar, "SIGKILL")
    await assert.rejects(child.exited, SupervisorDiedError)
    await assert.rejects(child.outcome, SupervisorDiedError)
    const out = await proc.text(fixture(null, "cwd"))
    assert.equal(out.text.trim(), process.cwd())
    assert.notEqual(proc.sidecarPid, sidecar)
    // docs/reference/design.md: PDEATHSIG ends the root, the watchdog cgroup.kills the rest (Linux with cgroup v2).
    assert.deepEqual(await waitAllGone(file), [], "the dead sidecar's tree outlived it")
  })

  test("a spawn that reaches a sidecar already dead is sent once more to a fresh one", GUARD, async () => {
    await proc.text(fixture(null, "cwd"))
    const dead = proc.sidecarPid!
    process.kill(dead, "SIGKILL")
    // Blocking until the kernel says it is gone, so the event loop cannot have heard of it yet: the
    // spawn below is the first to find out, on the spawn channel.
    const deadline = Date.now() + 10_000
    while (!processGone(dead) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5)
    assert.ok(processGone(dead), `the sidecar ${dead} did not die`)
    const child = proc.spawn(fixture(null, "exit", "--code", "4"))
    assert.ok(Number.isInteger(child.pid), "the retried spawn returned with a pid")
    assert.equal(await child.exited, 4)
    assert.ok(proc.sidecarPid !== undefined && proc.sidecarPid !== dead)
  })

  test("a spawn refused by a sidecar that is shutting down is sent once more to a fresh one", GUARD, async () => {
    const file = report()
    // Traps SIGTERM and goes on: the sidecar's shutdown waits out this child's grace, long enough to
    // refuse a spawn meanwhile.
    const stubborn = proc.spawn(fixture(file, "trap"), { timeout: 3000 })
    await waitForReport(file, countPids(1), "the stubborn root")
    const ending = proc.sidecarPid!
    process.kill(ending, "SIGTERM")
    await waitForReport(file, (lines) => lines.some((l) => l.kind === "signal"), "the shutdown's SIGTERM at the child")
    const child = proc.spawn(fixture(null, "exit", "--code", "5"))
    assert.equal(await child.exited, 5)
    assert.notEqual(proc.sidecarPid, ending, "the spawn ran on a fresh sidecar")
    assert.equal((await stubborn.outcome).reason, "cancelled")
    assert.deepEqual(await waitAllGone(file), [])
  })

  test("shutdown() ends the sidecar and a later spawn starts a new one", GUARD, async () => {
    await proc.text(fixture(null, "cwd"))
    const first = proc.sidecarPid!
    await proc.shutdown()
    assert.equal(proc.sidecarPid, undefined)
    assert.ok(processGone(first), "shutdown waited for the sidecar's exit")
    await proc.text(fixture(null, "cwd"))
    assert.ok(proc.sidecarPid !== undefined && proc.sidecarPid !== first)
  })

  test("a supervisorPath that does not exist is a clear error naming it, never another binary", GUARD, () => {
    const broken = createProcess({ backend: "supervisor", supervisorPath: "/nonexistent/pawwork-supervisor" })
    assert.throws(() => broken.spawn(fixture(null, "cwd")), (err: Error) => {
      assert.ok(err instanceof SupervisorNotFoundError)
      assert.match(err.message, /the supervisorPath option names \/nonexistent\/pawwork-supervisor, which does not exist/)
      assert.deepEqual((err as SupervisorNotFoundError).searched, ["/nonexistent/pawwork-supervisor"])
      return true
    })
  })
})

/** The version a sidecar of this release greets with. */
const packageVersion: string = JSON.parse(readFileSync(path.join(repoRoot, "packages", "process", "package.json"), "utf8")).version

/**
 * A stand-in sidecar: a Node script that says hello with `protocol` and `version` (another protocol and
 * another release by default), on stdout and on the spawn channel it is asked for (FIFOs it makes with
 * mkfifo(1) in the --sync-dir, or a pipe server on the --sync-pipe name), writes its pid to `pidFile`, then
 * answers nothing and waits for EOF.
 */
function wrongVersionSidecar(protocol = 99, { version = "9.9.9", pidFile = "/dev/null" }: { version?: string; pidFile?: string } = {}): string {
  const file = path.join(path.dirname(newReport()), `fake-supervisor-${protocol}-${version}.mjs`)
  writeFileSync(
    file,
    `#!${process.execPath}
import { execFileSync } from "node:child_process"
import { openSync, writeSync } from "node:fs"
import net from "node:net"
import path from "node:path"
import { writeFileSync } from "node:fs"
writeFileSync(${JSON.stringify(pidFile)}, String(process.pid))
const header = Buffer.from(JSON.stringify({ event: "hello", protocol: ${protocol}, version: ${JSON.stringify(version)}, pid: process.pid }))
const prefix = Buffer.alloc(8)
prefix.writeUInt32BE(header.length, 0)
const hello = Buffer.concat([prefix, header])
process.stdout.write(hello)
const at = (flag) => process.argv[process.argv.indexOf(flag) + 1]
if (process.argv.includes("--sync-dir")) {
  const dir = at("--sync-dir")
  execFileSync("mkfifo", ["-m", "600", path.join(dir, "requests"), path.join(dir, "answers")])
  openSync(path.join(dir, "requests"), "r+")
  writeSync(openSync(path.join(dir, "answers"), "r+"), hello)
} else if (process.argv.includes("--sync-pipe")) {
  net.createServer((socket) => socket.write(hello)).listen(at("--sync-pipe"))
}
process.stdin.resume()
process.stdin.on("end", () => process.exit(0))
`,
  )
  chmodSync(file, 0o755)
  return file
}

describe("sidecars that cannot be used", () => {
  test("a sidecar speaking another protocol version is refused, naming both versions", GUARD, async () => {
    const odd = createProcess({ backend: "supervisor", supervisorPath: wrongVersionSidecar() })
    const child = odd.spawn(fixture(null, "cwd"))
    await assert.rejects(child.exited, (err: Error) => {
      assert.ok(err instanceof SupervisorProtocolError)
      assert.match(err.message, /protocol 99 \(version 9\.9\.9\)/)
      assert.match(err.message, /client speaks protocol 1/)
      return true
    })
    await odd.shutdown()
  })

  test("a sidecar of another release (same protocol, other version) is refused, naming both versions", GUARD, async () => {
    const odd = createProcess({ backend: "supervisor", supervisorPath: wrongVersionSidecar(1, { version: "9.9.9" }) })
    await assert.rejects(odd.spawn(fixture(null, "cwd")).exited, (err: Error) => {
      assert.ok(err instanceof SupervisorVersionError)
      assert.equal(err.found, "9.9.9")
      assert.equal(err.expected, JSON.parse(readFileSync(path.join(repoRoot, "packages", "process", "package.json"), "utf8")).version)
      assert.match(err.message, /@pawwork\/process is \S+ but the binary .* is 9\.9\.9 \(from its hello\)/)
      return true
    })
    await odd.shutdown()
  })

  test("a binary that never greets is killed at the start bound; the spawn fails naming it, nothing thrown", GUARD, async () => {
    const pidFile = path.join(path.dirname(newReport()), "silent.pid")
    const silent = path.join(path.dirname(pidFile), "silent-supervisor.sh")
    writeFileSync(silent, `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 60\n`)
    chmodSync(silent, 0o755)
    const proc = createProcess({ backend: "supervisor", supervisorPath: silent, startTimeoutMs: 300 })
    const child = proc.spawn(fixture(null, "cwd"))
    assert.equal(child.pid, undefined)
    await assert.rejects(child.exited, (err: Error) => {
      assert.ok(err instanceof SupervisorDiedError)
      assert.match(err.message, /did not greet within 300 ms/)
      assert.ok(err.message.includes(silent), err.message)
      return true
    })
    const pid = Number(readFileSync(pidFile, "utf8"))
    for (let i = 0; i < 200 && !processGone(pid); i++) await sleep(25)
    assert.ok(processGone(pid), `the silent binary (pid ${pid}) was killed`)
    await proc.shutdown()
  })

  test("a binary that cannot be executed fails the spawn with Node's reason, naming it", GUARD, async () => {
    const file = path.join(path.dirname(newReport()), "not-executable")
    writeFileSync(file, "#!/bin/sh\n")
    chmodSync(file, 0o644)
    const proc = createProcess({ backend: "supervisor", supervisorPath: file })
    const child = proc.spawn(fixture(null, "cwd"))
    await assert.rejects(child.exited, (err: Error) => {
      assert.ok(err instanceof SupervisorDiedError)
      assert.match(err.message, /could not start the supervisor .*not-executable.*EACCES/)
      return true
    })
    await proc.shutdown()
  })

  test("a sidecar that never answers a spawn fails it at the spawn bound, and is ended", GUARD, async () => {
    const pidFile = path.join(path.dirname(newReport()), "mute.pid")
    const mute = createProcess({ backend: "supervisor", supervisorPath: wrongVersionSidecar(1, { version: packageVersion, pidFile }), spawnTimeoutMs: 300, startTimeoutMs: 5000 })
    const child = mute.spawn(fixture(null, "cwd"))
    assert.equal(child.pid, undefined)
    await assert.rejects(child.exited, (err: Error) => {
      assert.ok(err instanceof SupervisorDiedError)
      assert.match(err.message, /did not answer a spawn within 300 ms/)
      return true
    })
    // Retired: its stdin is closed, on which this stand-in exits.
    const pid = Number(readFileSync(pidFile, "utf8"))
    assert.ok(await until(() => processGone(pid)), `the mute sidecar (pid ${pid}) was not ended`)
    await mute.shutdown()
  })

  test("a sidecar that exits before hello rejects with SupervisorDiedError", GUARD, async () => {
    const dead = createProcess({ backend: "supervisor", supervisorPath: "/bin/false" })
    await assert.rejects(dead.spawn(fixture(null, "cwd")).exited, SupervisorDiedError)
    await assert.rejects(dead.run(fixture(null, "cwd")), SupervisorDiedError)
    await dead.shutdown()
  })
})

const indexJs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/index.js")

function node(script: string, env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      ["--input-type=module", "-e", script],
      { env: { ...process.env, ...env }, timeout: 15_000 },
      (err, stdout, stderr) => resolve({ code: child.exitCode ?? (err ? -1 : 0), stdout, stderr }),
    )
  })
}

describe("the host process", () => {
  test("an idle sidecar does not keep Node alive, and it exits when Node does", GUARD, async () => {
    const script = `
      import { createProcess } from ${JSON.stringify(indexJs)}
      const proc = createProcess({ backend: "supervisor" })
      const out = await proc.text(${JSON.stringify(fixture(null, "cwd"))})
      console.log(JSON.stringify({ pid: proc.sidecarPid, text: out.text.trim() }))
    `
    const started = Date.now()
    const result = await node(script)
    assert.equal(result.code, 0, result.stderr)
    assert.ok(Date.now() - started < 10_000, "node stayed alive for the idle sidecar")
    const { pid } = JSON.parse(result.stdout) as { pid: number }
    assert.ok(await until(() => processGone(pid)), `sidecar ${pid} outlived its host`)
  })

  test("an unknown PAWWORK_PROCESS_BACKEND throws at first use", GUARD, async () => {
    const script = `
      import { Process } from ${JSON.stringify(indexJs)}
      try { Process.spawn(["true"]); console.log("no error") } catch (e) { console.log(e.message) }
    `
    const result = await node(script, { PAWWORK_PROCESS_BACKEND: "bogus" })
    assert.match(result.stdout, /PAWWORK_PROCESS_BACKEND="bogus" is not a process backend/)
  })

  test("PAWWORK_PROCESS_BACKEND picks the default backend, baseline when unset", GUARD, async () => {
    const script = `import { Process } from ${JSON.stringify(indexJs)}; console.log(Process.backend())`
    assert.equal((await node(script, { PAWWORK_PROCESS_BACKEND: "supervisor" })).stdout.trim(), "supervisor")
    assert.equal((await node(script, { PAWWORK_PROCESS_BACKEND: "" })).stdout.trim(), "baseline")
  })
})

