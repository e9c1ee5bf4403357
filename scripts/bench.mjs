#!/usr/bin/env node
// `npm run bench [-- options]`: what the supervisor costs, measured against the
// baseline and bare child_process in one run (packages/bench). Does its own
// set-up first, like `npm run matrix`: npm install when needed, the TypeScript
// builds it uses, and the release builds of the sidecar and the fixture
// program (a benchmark of a debug build would measure the wrong thing).
// `--no-setup` skips straight to the run; `--quick` / `--full` pick the sizes.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const skipSetup = args.includes("--no-setup");
const passOn = args.filter((a) => a !== "--no-setup");

function fail(message) {
  console.error(`bench setup: ${message}`);
  process.exit(1);
}

function step(name, cmd, cmdArgs) {
  console.log(`bench setup: ${name}`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: "inherit" });
  if (r.error) fail(`${name}: ${r.error.message}`);
  if (r.status !== 0) fail(`${name} failed (exit ${r.status})`);
}

// rustup's cargo may be installed without being on PATH in non-login shells.
function cargo() {
  if (spawnSync("cargo", ["--version"], { stdio: "ignore" }).status === 0) return "cargo";
  const fallback = join(homedir(), ".cargo", "bin", "cargo");
  if (existsSync(fallback)) return fallback;
  fail("cargo not found (install Rust with rustup, or put cargo on PATH)");
}

function needsInstall() {
  const marker = join(root, "node_modules", ".package-lock.json");
  if (!existsSync(marker)) return true;
  if (!existsSync(join(root, "node_modules", "@pawwork", "bench"))) return true;
  return statSync(join(root, "package-lock.json")).mtimeMs > statSync(marker).mtimeMs;
}

if (!skipSetup) {
  if (needsInstall()) step("npm install", "npm", ["install", "--no-audit", "--no-fund"]);
  // Only the two packages the benchmark runs, in dependency order.
  step("build @pawwork/process", "npm", ["run", "build", "-w", "@pawwork/process"]);
  step("build @pawwork/bench", "npm", ["run", "build", "-w", "@pawwork/bench"]);
  step("cargo build --release (pawwork-supervisor, pawwork-fixture)", cargo(), [
    "build",
    "--release",
    "-p",
    "pawwork-supervisor",
    "-p",
    "pawwork-fixture",
  ]);
}

const cli = join(root, "packages", "bench", "dist", "src", "cli.js");
if (!existsSync(cli)) fail(`${cli} is missing: run without --no-setup once (it builds the TypeScript packages)`);
const { main } = await import(pathToFileURL(cli).href);
process.exitCode = await main(passOn);
