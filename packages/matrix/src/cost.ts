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

type NpmTree = Record<string, { version?: string; dependencies?: NpmTree }>

/** Bare package names imported by the given sources (Node built-ins and relative paths excluded). */
export function importedPackages(files: string[]): string[] {
  const names = new Set<string>()
  for (const f of files) {
    for (const m of readFileSync(f, "utf8").matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) {
      const spec = m[1]!
      if (spec.startsWith(".") || spec.startsWith("node:") || spec.startsWith("/")) continue
      names.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!)
    }
  }
  return [...names].sort()
}

/**
 * Production dependency closure from `npm ls --all --omit=dev -w @pawwork/process`: of the whole
 * package, and of just the packages the supervisor client's sources import.
 */
export function npmDependencies(root: string, supervisorImports: string[]): { total: number; supervisor: number } | null {
  try {
    const out = execFileSync("npm", ["ls", "--all", "--omit=dev", "--json", "-w", "@pawwork/process"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    })
    const closure = (deps: NpmTree | undefined, only?: string[]) => {
      const seen = new Set<string>()
      const walk = (tree: NpmTree | undefined, filter?: string[]) => {
        for (const [name, dep] of Object.entries(tree ?? {})) {
          if (filter && !filter.includes(name)) continue
          // The platform packages are optional dependencies, not installed in this repository (npm lists them
          // without a version): the sidecar binary is counted as the binary, not as an npm package.
          if (dep.version === undefined) continue
          const key = `${name}@${dep.version ?? "?"}`
          if (seen.has(key)) continue
          seen.add(key)
          walk(dep.dependencies)
        }
      }
      walk(deps, only)
      return seen.size
    }
    const tree = JSON.parse(out) as { dependencies?: NpmTree }
    const pkg = tree.dependencies?.["@pawwork/process"]?.dependencies
    return { total: closure(pkg), supervisor: closure(pkg, supervisorImports) }
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
  const npm = npmDependencies(root, importedPackages(tsFiles))
  const size = existsSync(args.supervisorBin) ? statSync(args.supervisorBin).size : null
  const rss = args.rssKib
  return {
    rust_loc: countFiles(rustFiles, "rust"),
    ts_loc: countFiles(tsFiles, "ts"),
    loc_files: { rust: rustFiles.map((f) => relative(root, f)), typescript: tsFiles.map((f) => relative(root, f)) },
    dependencies: {
      cargo: cargoDependencies(root),
      npm: npm?.supervisor ?? null,
      npm_package_total: npm?.total ?? null,
      note:
        "cargo: distinct crates of `cargo tree -p pawwork-supervisor -e normal,build`; npm: distinct packages " +
        "(with their own dependencies, from `npm ls --all --omit=dev -w @pawwork/process`) that the supervisor " +
        "client's sources import; npm_package_total: the whole @pawwork/process package, baseline included",
    },
    binary_bytes: size,
    build: args.build,
    sidecar_rss_kib: rss.length ? { p50: percentile(rss, 50), max: Math.max(...rss), samples: rss.length } : null,
  }
}
