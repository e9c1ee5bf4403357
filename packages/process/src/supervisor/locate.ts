import { existsSync, readdirSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import path from "node:path"
import { SupervisorNotFoundError, SupervisorVersionError } from "../errors.js"
import { ownPackage, selfFile } from "../self.js"

const EXE = process.platform === "win32" ? "pawwork-supervisor.exe" : "pawwork-supervisor"
const ENV = "PAWWORK_SUPERVISOR_PATH"

/** Where the binary came from, in the order the lookup tries them. */
export interface SupervisorLocation {
  path: string
  source: "option" | "environment" | "platform-package" | "workspace"
}

/** `<process.platform>-<process.arch>`, the platform packages' key (Node's names: linux-x64, darwin-arm64, ...). */
export function platformKey(platform: string = process.platform, arch: string = process.arch): string {
  return `${platform}-${arch}`
}

/** The package that holds the sidecar for a platform key. */
export function platformPackageName(key: string = platformKey()): string {
  return `@pawwork/supervisor-${key}`
}

/**
 * A path inside an Electron `app.asar` archive, moved to the `app.asar.unpacked` directory beside it; null for
 * a path with no `app.asar` segment. Electron's fs makes the archive look like a directory, so require.resolve
 * answers with paths inside it, but nothing can be executed from inside an archive: the binary must be
 * unpacked (electron-builder's `asarUnpack`, Electron Forge's `packagerConfig.asar.unpack`) and run from there.
 */
export function unpackedAsarPath(file: string): string | null {
  const parts = file.split(/([\\/])/)
  const at = parts.indexOf("app.asar")
  if (at < 0) return null
  parts[at] = "app.asar.unpacked"
  return parts.join("")
}

/**
 * Where the sidecar binary is, in this order (as esbuild's launcher does it): the `supervisorPath` option,
 * PAWWORK_SUPERVISOR_PATH, the platform package `@pawwork/supervisor-<platform>-<arch>` (an optional
 * dependency of this package, resolved from where this package is installed, with an `app.asar` path moved
 * to `app.asar.unpacked`), and, only inside this repository, the cargo workspace's `target/release` then
 * `target/debug`. An explicit path that does not exist is an error, never a reason to use another binary.
 * A platform package of another version is a SupervisorVersionError; nothing found is a
 * SupervisorNotFoundError naming the platform key, the package, where it looked and what to do.
 */
export function supervisorLocation(explicit?: string): SupervisorLocation {
  if (explicit !== undefined && explicit !== "") return given(explicit, "option", "the supervisorPath option")
  const fromEnv = process.env[ENV]
  if (fromEnv) return given(fromEnv, "environment", ENV)
  const key = platformKey()
  const pkg = platformPackageName(key)
  const found = fromPlatformPackage(pkg)
  if ("path" in found) return found
  const workspace = fromWorkspace()
  if (workspace && "path" in workspace) return workspace
  throw notFound(key, pkg, found, workspace?.searched ?? [])
}

/** supervisorLocation's path. */
export function locateSupervisor(explicit?: string): string {
  return supervisorLocation(explicit).path
}

function given(file: string, source: SupervisorLocation["source"], what: string): SupervisorLocation {
  if (existsSync(file)) return { path: file, source }
  throw new SupervisorNotFoundError(
    [file],
    `pawwork-supervisor not found: ${what} names ${file}, which does not exist. Fix or unset it ` +
      `(without it the binary comes from the platform package ${platformPackageName()}).`,
  )
}

interface Missed {
  /** The node_modules directories the resolver searched. */
  searched: string[]
  /** Set when the package resolved but its binary was not usable: the sentence saying why. */
  broken?: string
}

function fromPlatformPackage(pkg: string): SupervisorLocation | Missed {
  const require = createRequire(selfFile)
  let manifest: string
  try {
    manifest = require.resolve(`${pkg}/package.json`)
  } catch {
    // Where Node's resolver looks; a runtime without resolve.paths gets the directory it would look in first.
    const dirs = require.resolve.paths?.(pkg) ?? [path.join(ownPackage().dir, "node_modules")]
    return { searched: dirs.map((dir) => path.join(dir, pkg)) }
  }
  const dir = path.dirname(manifest)
  const binary = path.join(dir, "bin", EXE)
  const version = String((JSON.parse(readFileSync(manifest, "utf8")) as { version?: unknown }).version)
  const expected = ownPackage().version
  if (version !== expected) throw new SupervisorVersionError(expected, version, binary, `${pkg}/package.json`)
  const unpacked = unpackedAsarPath(binary)
  if (unpacked !== null) {
    if (existsSync(unpacked)) return { path: unpacked, source: "platform-package" }
    // Under Electron the archived copy "exists" but cannot be executed; a real directory named app.asar can.
    if (!process.versions.electron && existsSync(binary)) return { path: binary, source: "platform-package" }
    return {
      searched: [unpacked],
      broken:
        `${pkg} is inside app.asar, and ${unpacked} does not exist: a binary cannot run from inside the archive. ` +
        `Unpack it when packaging: electron-builder "asarUnpack": ["**/node_modules/@pawwork/supervisor-*/**"], ` +
        `Electron Forge packagerConfig.asar.unpack "**/node_modules/@pawwork/supervisor-*/**".`,
    }
  }
  if (existsSync(binary)) return { path: binary, source: "platform-package" }
  return { searched: [binary], broken: `${pkg} is installed at ${dir} but has no bin/${EXE}: reinstall it.` }
}

/** The cargo workspace this package was built in, if it is this repository (its Cargo.toml and crates). */
function fromWorkspace(): SupervisorLocation | { searched: string[] } | null {
  for (let dir = path.dirname(selfFile); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "Cargo.toml")
    const crate = path.join(dir, "crates", "supervisor", "Cargo.toml")
    if (existsSync(manifest) && /^\s*\[workspace\]/m.test(readFileSync(manifest, "utf8")) && existsSync(crate)) {
      if (!/^name\s*=\s*"pawwork-supervisor"/m.test(readFileSync(crate, "utf8"))) return null
      const searched = ["release", "debug"].map((profile) => path.join(dir, "target", profile, EXE))
      const hit = searched.find((file) => existsSync(file))
      return hit ? { path: hit, source: "workspace" } : { searched }
    }
    if (path.dirname(dir) === dir) return null
  }
}

function notFound(key: string, pkg: string, missed: Missed, workspace: string[]): SupervisorNotFoundError {
  const shipped = Object.keys(ownPackage().optionalDependencies)
    .filter((name) => name.startsWith("@pawwork/supervisor-"))
    .map((name) => name.slice("@pawwork/supervisor-".length))
  const searched = [...missed.searched, ...workspace]
  const head = `pawwork-supervisor not found for this platform (${key}): expected the package ${pkg}.`
  const looked = ` Looked at: ${searched.length ? searched.join(", ") : "(nowhere)"}.`
  const override = ` Or set ${ENV} (or the supervisorPath option) to a pawwork-supervisor binary.`
  let why: string
  if (missed.broken) {
    why = ` ${missed.broken}`
  } else if (shipped.length === 0) {
    // Only the packed manifest lists the platform packages (scripts/pack.mjs): this is a repository build.
    why =
      ` This copy of @pawwork/process is a build from its repository, which lists no platform package: ` +
      `build the sidecar with \`cargo build --release -p pawwork-supervisor\` there.`
  } else if (!shipped.includes(key)) {
    why =
      ` No prebuilt sidecar exists for ${key}: @pawwork/process ships them for ${shipped.join(", ")}. ` +
      `Build one with \`cargo build --release -p pawwork-supervisor\` (this repository) and point ${ENV} at it.`
  } else {
    const others = installedSiblings().filter((name) => name !== pkg)
    why = others.length
      ? ` Found ${others.join(", ")} instead: node_modules was installed on another OS or CPU (copied, or a ` +
        `lockfile or cache from another machine). Reinstall on this machine (npm ci), or install ${pkg} ` +
        `(npm install ${pkg}@${ownPackage().version}).`
      : ` It is an optional dependency of @pawwork/process, so it was left out: optional dependencies ` +
        `omitted (--omit=optional, --no-optional), or a lockfile written without it. Reinstall without ` +
        `omitting them, or install it (npm install ${pkg}@${ownPackage().version}).`
  }
  return new SupervisorNotFoundError(searched, head + why + looked + override, { platformKey: key, expectedPackage: pkg })
}

/** Platform packages installed next to this package (node_modules/@pawwork/supervisor-*), whichever platform. */
function installedSiblings(): string[] {
  const scope = path.dirname(ownPackage().dir)
  if (path.basename(scope) !== "@pawwork") return []
  try {
    return readdirSync(scope)
      .filter((name) => name.startsWith("supervisor-"))
      .map((name) => `@pawwork/${name}`)
  } catch {
    return []
  }
}
