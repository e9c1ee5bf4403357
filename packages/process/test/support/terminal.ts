import { spawn, spawnSync, type ChildProcess } from "node:child_process"
import { writeFileSync } from "node:fs"
import path from "node:path"

/**
 * A command run in a real terminal: `script(1)` gives it a pty whose foreground job it is, and whatever
 * is written to the returned process's stdin is typed into that terminal (so "\x03" is a Ctrl-C, which
 * the terminal turns into a SIGINT for the foreground job). util-linux's `script` (Debian's bsdutils,
 * an essential package) and BSD's (macOS) take different arguments. Null, with the reason, where there
 * is none.
 */
export function inTerminal(argv: string[], dir: string): { proc: ChildProcess } | { unavailable: string } {
  if (process.platform === "win32") return { unavailable: "no pty on Windows (a console's Ctrl-C is another mechanism)" }
  const probe = spawnSync("script", ["--version"], { encoding: "utf8" })
  if (probe.error) return { unavailable: `script(1) is not installed (${probe.error.message})` }
  if (process.platform === "darwin") {
    return { proc: spawn("script", ["-q", "-F", "/dev/null", ...argv], { stdio: ["pipe", "pipe", "inherit"] }) }
  }
  // util-linux runs the command through $SHELL (or sh): a script file that execs it keeps quoting out of the
  // way, and `exec` at both steps makes the command itself the terminal's session leader and foreground job.
  // Without the first one a shell that does not exec its last command (dash, Debian's sh) stays in the
  // foreground job, gets the Ctrl-C too and reports it as its own exit status once the command ends.
  const launcher = path.join(dir, "in-terminal.sh")
  writeFileSync(launcher, `exec ${argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ")}\n`)
  return { proc: spawn("script", ["-q", "-f", "-e", "-c", `exec sh ${launcher}`, "/dev/null"], { stdio: ["pipe", "pipe", "inherit"] }) }
}

/** The `@@{json}` lines a host writes, as they arrive (a terminal adds \r; echoed input is ignored). */
export class HostLines {
  private text = ""
  private readonly seen: Array<Record<string, unknown>> = []
  private waiters: Array<() => void> = []

  constructor(stdout: NodeJS.ReadableStream) {
    stdout.on("data", (chunk: Buffer) => {
      this.text += chunk.toString()
      for (;;) {
        const match = /@@(\{[^\r\n]*\})\r?\n/.exec(this.text)
        if (!match) break
        this.seen.push(JSON.parse(match[1]!) as Record<string, unknown>)
        this.text = this.text.slice(match.index + match[0].length)
      }
      for (const wake of this.waiters.splice(0)) wake()
    })
  }

  /** The first line saying `what`; a generous hang guard, not a timing assertion. */
  async next(what: string, timeoutMs = 15_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.seen.find((l) => l.what === what)
      if (found) return found
      if (Date.now() > deadline) throw new Error(`the host never said ${what}; it wrote ${JSON.stringify(this.text.slice(-2000))}`)
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve)
        setTimeout(resolve, 100).unref()
      })
    }
  }
}
