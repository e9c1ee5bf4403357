#!/usr/bin/env node
// `npm run bench [-- options]`: what the supervisor costs, measured against the
// baseline and bare child_process in one run (packages/bench). Does its own
// set-up first, like `npm run matrix`: npm install when needed, the TypeScript
// builds it uses, the pinned Node it runs the client under, and the release
// builds of the sidecar and the fixture program (a benchmark of a debug build would measure the wrong thing).
// `--no-setup` skips straight to the run; `--quick` / `--full` pick the sizes.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { hostRuntimes } from "./node-runtimes.mjs";
import { root, setup } from "./setup.mjs";

const args = process.argv.slice(2);
const skipSetup = args.includes("--no-setup");
const passOn = args.filter((a) => a !== "--no-setup");
const { fail, step, cargo, needsInstall, nodeRuntimes } = setup("bench");

if (!skipSetup) {
  if (needsInstall("@pawwork/bench")) step("npm install", "npm", ["install", "--no-audit", "--no-fund"]);
  // Only the packages the benchmark runs, in dependency order.
  for (const pkg of ["@pawwork/harness", "@pawwork/process", "@pawwork/bench"]) step(`build ${pkg}`, "npm", ["run", "build", "-w", pkg]);
  // Without --runtime the client runs under the desktop app's Node, pinned (packages/bench/src/cli.ts defaultRuntimes).
  nodeRuntimes(passOn, hostRuntimes().filter((id) => id === "node24"));
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
