import { existsSync, readFileSync } from "node:fs"
import type { Platform } from "./platform.js"
import type { BackendName } from "./types.js"

/*
 * The known-flakes register (`docs/reference/flakes.md`): one Markdown table whose rows
 * name a cell (scenario, backend, platform; `*` for any) and how many times a
 * failed run of it may be retried. A run rescued by a retry is counted as
 * flaky, never as passed. The register is read strictly: a row that does not
 * parse stops the matrix, since a silently ignored row would turn a known
 * flake back into an unexplained failure (or a typo into a missing retry).
 */

export const FLAKE_PLATFORMS = ["linux", "darwin", "win32", "wine"] as const
export type FlakePlatform = (typeof FLAKE_PLATFORMS)[number]

export interface FlakeEntry {
  id: string
  scenario: string
  backend: BackendName | "*"
  platform: FlakePlatform | "*"
  symptom: string
  suspected_cause: string
  /** Retries allowed after a failed run (1..5). */
  retries: number
  /** 1-based line of the row in the register file. */
  line: number
}

export interface FlakeRegister {
  /** The file read, or null when there was none (then `entries` is empty). */
  source: string | null
  entries: FlakeEntry[]
}

export const EMPTY_REGISTER: FlakeRegister = { source: null, entries: [] }

export class FlakeRegisterError extends Error {}

const HEADER = ["id", "scenario", "backend", "platform", "symptom", "suspected cause", "treatment"]
const SLUG = /^[a-z0-9][a-z0-9-]{0,47}$/
const TREATMENT = /^retry ([1-5])$/
const SEPARATOR_CELL = /^:?-{3,}:?$/

/** What a register row may name: the scenarios and backends that exist. */
export interface Known {
  scenarios: readonly string[]
  backends: readonly string[]
}

/** Cells of a table line, `\|` kept as a literal bar; null when the line is not a table row. */
function cells(line: string): string[] | null {
  const t = line.trim()
  if (!t.startsWith("|")) return null
  const parts: string[] = []
  let cur = ""
  for (let i = 1; i < t.length; i++) {
    const ch = t[i]!
    if (ch === "\\" && t[i + 1] === "|") {
      cur += "|"
      i++
    } else if (ch === "|") {
      parts.push(cur.trim())
      cur = ""
    } else cur += ch
  }
  if (cur.trim() !== "") parts.push(cur.trim())
  return parts
}

/** Identifiers may be written as code (`tree-deep`): the backticks are not part of the value. */
const bare = (s: string) => (/^`[^`]*`$/.test(s) ? s.slice(1, -1).trim() : s)

export function parseFlakes(text: string, source: string, known: Known): FlakeRegister {
  const lines = text.split(/\r?\n/)
  const where = (i: number) => `${source}:${i + 1}`
  const headers = lines.flatMap((l, i) => {
    const c = cells(l)
    return c && c.length === HEADER.length && c.every((v, k) => v.toLowerCase() === HEADER[k]) ? [i] : []
  })
  if (headers.length === 0) throw new FlakeRegisterError(`${source}: no register table (header row \`| ${HEADER.join(" | ")} |\` not found)`)
  if (headers.length > 1) throw new FlakeRegisterError(`${where(headers[1]!)}: a second register table (the first is at line ${headers[0]! + 1})`)
  const head = headers[0]!
  const sep = cells(lines[head + 1] ?? "")
  if (!sep || sep.length !== HEADER.length || !sep.every((c) => SEPARATOR_CELL.test(c))) {
    throw new FlakeRegisterError(`${where(head + 1)}: the header row must be followed by a separator row (|---|---|...)`)
  }
  const entries: FlakeEntry[] = []
  for (let i = head + 2; i < lines.length; i++) {
    const row = cells(lines[i]!)
    if (row === null) break // the table ends at its first non-row line
    entries.push(parseRow(row, i, where(i), known, entries))
  }
  return { source, entries }
}

function parseRow(row: string[], index: number, at: string, known: Known, before: FlakeEntry[]): FlakeEntry {
  if (row.length !== HEADER.length) throw new FlakeRegisterError(`${at}: ${row.length} cells, expected ${HEADER.length} (${HEADER.join(", ")})`)
  const [id, scenario, backend, platform, symptom, cause, treatment] = row.map((c, k) => (k === 4 || k === 5 ? c : bare(c))) as [
    string, string, string, string, string, string, string,
  ]
  const bad = (what: string) => new FlakeRegisterError(`${at}: ${what}`)
  if (!SLUG.test(id)) throw bad(`id ${JSON.stringify(id)} is not a short slug (lowercase letters, digits, dashes)`)
  const twin = before.find((e) => e.id === id)
  if (twin) throw bad(`id ${JSON.stringify(id)} is already used at line ${twin.line}`)
  if (scenario !== "*" && !known.scenarios.includes(scenario)) throw bad(`unknown scenario ${JSON.stringify(scenario)} (a scenario name or *)`)
  if (backend !== "*" && !known.backends.includes(backend)) throw bad(`unknown backend ${JSON.stringify(backend)} (${known.backends.join(", ")} or *)`)
  if (platform !== "*" && !(FLAKE_PLATFORMS as readonly string[]).includes(platform)) {
    throw bad(`unknown platform ${JSON.stringify(platform)} (${FLAKE_PLATFORMS.join(", ")} or *)`)
  }
  if (symptom === "") throw bad("empty symptom")
  if (cause === "") throw bad("empty suspected cause")
  const retry = TREATMENT.exec(treatment)
  if (!retry) throw bad(`treatment ${JSON.stringify(treatment)} is not "retry N" with N from 1 to 5`)
  return {
    id,
    scenario,
    backend: backend as FlakeEntry["backend"],
    platform: platform as FlakeEntry["platform"],
    symptom,
    suspected_cause: cause,
    retries: Number(retry[1]),
    line: index + 1,
  }
}

/** The register at `path`; a missing file is an empty register (nothing is retried). */
export function readFlakes(path: string, known: Known, label = path): FlakeRegister {
  if (!existsSync(path)) return EMPTY_REGISTER
  return parseFlakes(readFileSync(path, "utf8"), label, known)
}

/** The register's name for where the matrix runs: Wine is its own platform, not `win32`. */
export function flakePlatform(platform: Platform): FlakePlatform | string {
  return platform.under_wine ? "wine" : platform.os
}

/** The first entry (in file order) whose scenario, backend and platform all match; `*` matches any. */
export function findFlake(register: FlakeRegister, scenario: string, backend: BackendName, platform: string): FlakeEntry | null {
  const hit = (v: string, want: string) => v === "*" || v === want
  return register.entries.find((e) => hit(e.scenario, scenario) && hit(e.backend, backend) && hit(e.platform, platform)) ?? null
}
