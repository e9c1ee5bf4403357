// The set-up steps `npm run matrix` and `npm run bench` share: each prefixes
// its messages with its own name so a failure says which command it broke.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureRuntime, PINS } from "./node-runtimes.mjs";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export function setup(label) {
  function fail(message) {
    console.error(`${label} setup: ${message}`);
    process.exit(1);
  }

  /** Runs one step from the repository root; exits on failure. `capture` keeps stderr (cargo's "Compiling" lines). */
  function step(name, cmd, cmdArgs, opts = {}) {
    console.log(`${label} setup: ${name}`);
    const started = process.hrtime.bigint();
    const r = spawnSync(cmd, cmdArgs, { cwd: root, encoding: "utf8", stdio: opts.capture ? ["ignore", "inherit", "pipe"] : "inherit" });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (opts.capture && r.stderr) process.stderr.write(r.stderr);
    if (r.error) fail(`${name}: ${r.error.message}`);
    if (r.status !== 0) fail(`${name} failed (exit ${r.status})`);
    return { seconds, stderr: r.stderr ?? "" };
  }

  // rustup's cargo may be installed without being on PATH in non-login shells.
  function cargo() {
    if (spawnSync("cargo", ["--version"], { stdio: "ignore" }).status === 0) return "cargo";
    const fallback = join(homedir(), ".cargo", "bin", "cargo");
    if (existsSync(fallback)) return fallback;
    fail("cargo not found (install Rust with rustup, or put cargo on PATH)");
  }

  /** npm install is due when node_modules is missing, lacks `witness` (a module the command needs), or is older than the lock. */
  function needsInstall(witness) {
    const marker = join(root, "node_modules", ".package-lock.json");
    if (!existsSync(marker)) return true;
    if (!existsSync(join(root, "node_modules", ...witness.split("/")))) return true;
    return statSync(join(root, "package-lock.json")).mtimeMs > statSync(marker).mtimeMs;
  }

  /**
   * Installs the pinned Nodes the command will run under: those its `--runtime` options name, else
   * `defaults` (what the command runs without options). Names that are not pins are left to the command,
   * which refuses them with its usage.
   */
  function nodeRuntimes(argv, defaults) {
    const named = [];
    argv.forEach((a, i) => {
      if (a === "--runtime" && argv[i + 1]) named.push(argv[i + 1]);
      else if (a.startsWith("--runtime=")) named.push(a.slice("--runtime=".length));
    });
    const words = named.flatMap((v) => v.split(",")).map((v) => v.trim());
    for (const id of (words.length ? words : defaults).filter((w) => Object.hasOwn(PINS, w) && PINS[w].host)) {
      console.log(`${label} setup: Node runtime ${id}`);
      try {
        ensureRuntime(id, (m) => console.log(`${label} setup: ${m}`));
      } catch (err) {
        fail(`${id}: ${err.message}`);
      }
    }
  }

  return { fail, step, cargo, needsInstall, nodeRuntimes };
}
