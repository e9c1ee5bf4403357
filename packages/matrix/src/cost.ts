import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative } from "node:path"
import { percentile } from "./stats.js"
import type { BuildInfo, Cost } from "./types.js"

type Lang = "rust" | "ts"

/**
 * Non-blank, non-comment lines. A small lexer: strings (and Rust char
 * literals, told apart from lifetimes) are skipped so a "//" inside one is not
 * taken for a comment; block comments may span lines (Rust's nest).
 */
export function countCodeLines(source: string, lang: Lang): number {
  let depth = 0
  let count = 0
  let quote: string | null = null
  for (const line of source.split("\n")) {
    let code = false
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!
      const next = line[i + 1]
      if (depth > 0) {
        if (c === "*" && next === "/") (depth--, i++)
        else if (lang === "rust" && c === "/" && next === "*") (depth++, i++)
        continue
      }
      if (quote) {
        code = true
        if (c === "\\") i++
        else if (c === quote) quote = null
        continue
      }
      if (c === "/" && next === "/") break
      if (c === "/" && next === "*") {
        depth = 1
        i++
        continue
      }
      if (c === " " || c === "\t" || c === "\r") continue
      code = true
      if (c === '"' || c === "`" || (lang === "ts" && c === "'")) quote = c
      else if (lang === "rust" && c === "'") {
        const m = /^'(\\.[^']*|[^\\'])'/.exec(line.slice(i))
        if (m) i += m[0].length - 1
      }
    }
    // Template literals and Rust strings may span lines; a line inside one is code.
    if (quote && quote !== "`" && quote !== '"') quote = null
    if (code || (quote !== null && depth === 0)) count++
  }
  return count
}

function filesUnder(dir: string, ext: string): string[] {
  if (!existsSync(dir)) return []
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...filesUnder(path, ext))
    else if (entry.name.endsWith(ext) && !entry.name.endsWith(".d.ts")) out.push(path)
  }
  return out.sort()
}

function countFiles(files: string[], lang: Lang): number {
  return files.reduce((n, f) => n + countCodeLines(readFileSync(f, "utf8"), lang), 0)
}

/** Distinct crates in the supervisor's normal + build dependency graph (itself excluded). */
export function cargoDependencies(root: string): number | null {
  try {
    const out = execFileSync("cargo", ["tree", "-p", "pawwork-supervisor", "-e", "normal,build", "--prefix", "none", "--offline"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    })
    const crates = new Set(
      out
        .split("\n")
        .map((l) => l.replace(/\s*\(\*\)\s*$/, "").replace(/\s*\(.*\)\s*$/, "").trim())
        .filter((l) => l && !l.startsWith("pawwork-supervisor ")),
    )
    return crates.size
  } catch {
    return null
  }
}

/** Distinct packages in @pawwork/process's production dependency tree (`npm ls --omit=dev`). */
export function npmDependencies(root: string): number | null {
  try {
    const out = execFileSync("npm", ["ls", "--all", "--omit=dev", "--json", "-w", "@pawwork/process"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    })
    const seen = new Set<string>()
    const walk = (deps: Record<string, { version?: string; dependencies?: Record<string, unknown> }> | undefined) => {
      for (const [name, dep] of Object.entries(deps ?? {})) {
        const key = `${name}@${dep.version ?? "?"}`
        if (seen.has(key)) continue
        seen.add(key)
        walk(dep.dependencies as never)
      }
    }
    const tree = JSON.parse(out) as { dependencies?: Record<string, { dependencies?: Record<string, unknown> }> }
    walk(tree.dependencies?.["@pawwork/process"]?.dependencies as never)
    return seen.size
  } catch {
    return null
  }
}

export function measureCost(args: { root: string; supervisorBin: string; build: BuildInfo; rssKib: number[] }): Cost {
  const { root } = args
  const rustFiles = filesUnder(join(root, "crates", "supervisor", "src"), ".rs")
  const tsFiles = [
    ...filesUnder(join(root, "packages", "process", "src", "supervisor"), ".ts"),
    ...filesUnder(join(root, "packages", "process", "src", "protocol"), ".ts"),
  ]
  const size = existsSync(args.supervisorBin) ? statSync(args.supervisorBin).size : null
  const rss = args.rssKib
  return {
    rust_loc: countFiles(rustFiles, "rust"),
    ts_loc: countFiles(tsFiles, "ts"),
    loc_files: { rust: rustFiles.map((f) => relative(root, f)), typescript: tsFiles.map((f) => relative(root, f)) },
    dependencies: {
      cargo: cargoDependencies(root),
      npm: npmDependencies(root),
      note: "cargo: distinct crates of `cargo tree -p pawwork-supervisor -e normal,build`; npm: distinct packages of `npm ls --all --omit=dev -w @pawwork/process`",
    },
    binary_bytes: size,
    build: args.build,
    sidecar_rss_kib: rss.length ? { p50: percentile(rss, 50), max: Math.max(...rss), samples: rss.length } : null,
  }
}
