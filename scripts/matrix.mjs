#!/usr/bin/env node
// `npm run matrix [-- options]`: every set-up step a fresh machine needs (npm
// install, TypeScript builds, the pinned Nodes it runs under, the release
// build of the sidecar and the fixture program, timed for the report's cost
// section), then the scenario matrix itself (packages/matrix). `--no-setup` skips straight to the run.
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { hostRuntimes } from "./node-runtimes.mjs";
import { root, setup } from "./setup.mjs";

const args = process.argv.slice(2);
const skipSetup = args.includes("--no-setup");
const measureBuild = args.includes("--measure-build");
const passOn = args.filter((a) => a !== "--no-setup" && a !== "--measure-build");
const { fail, step, cargo, needsInstall, nodeRuntimes } = setup("matrix");

let buildInfoPath;
if (!skipSetup) {
  if (needsInstall("playwright-core")) step("npm install", "npm", ["install", "--no-audit", "--no-fund"]);
  step("build TypeScript packages", "npm", ["run", "build"]);
  // Without --runtime the matrix runs under every pinned Node this host has (cli.ts defaultRuntimes).
  nodeRuntimes(passOn, hostRuntimes());
  const build = step(
    "cargo build --release (pawwork-supervisor, pawwork-fixture)",
    cargo(),
    ["build", "--release", "-p", "pawwork-supervisor", "-p", "pawwork-fixture"],
    { capture: true },
  );
  // Honest build time: if cargo compiled nothing of the supervisor, the time is a no-op check.
  const rebuilt = /Compiling pawwork-supervisor\b/.test(build.stderr);
  let info = {
    seconds: Math.round(build.seconds * 10) / 10,
    cached: !rebuilt,
    note: rebuilt
      ? "wall time of `cargo build --release -p pawwork-supervisor -p pawwork-fixture` in this run (dependencies possibly cached, 2-core machine)"
      : "the supervisor was already built: cargo only checked it was up to date (run with --measure-build for a from-scratch time)",
  };
  if (measureBuild) {
    // A from-scratch release build of the sidecar alone, in a target dir of its own, so the
    // shared one (and other builds running in it) is left alone.
    const dir = join(root, "target", "matrix-measure-build");
    rmSync(dir, { recursive: true, force: true });
    const loadBefore = loadavg()[0];
    const fresh = step(
      "cargo build --release -p pawwork-supervisor from scratch (timed, own target dir)",
      cargo(),
      ["build", "--release", "-p", "pawwork-supervisor", "--target-dir", dir],
      { capture: true },
    );
    rmSync(dir, { recursive: true, force: true });
    info = {
      seconds: Math.round(fresh.seconds * 10) / 10,
      cached: false,
      note:
        "from-scratch `cargo build --release -p pawwork-supervisor` (all its crates compiled, sources already downloaded) " +
        `in an empty target dir, measured in this run; 1-min load average ${loadBefore.toFixed(1)} before, ` +
        `${loadavg()[0].toFixed(1)} after, on ${cpus().length} CPUs (other work inflates it)`,
    };
  }
  mkdirSync(join(root, "target"), { recursive: true });
  buildInfoPath = join(root, "target", "matrix-build-info.json");
  writeFileSync(buildInfoPath, JSON.stringify(info));
}

const cli = join(root, "packages", "matrix", "dist", "src", "cli.js");
if (!existsSync(cli)) fail(`${cli} is missing: run without --no-setup once (it builds the TypeScript packages)`);
const { main } = await import(pathToFileURL(cli).href);
const withBuild = buildInfoPath && !passOn.includes("--build-info") ? [...passOn, "--build-info", buildInfoPath] : passOn;
process.exitCode = await main(withBuild);
