#!/usr/bin/env node
// Writes every publishable tarball into artifacts/npm/: @pawwork/process (built afresh unless --no-build) and one
// @pawwork/supervisor-<os>-<cpu> per platform of packaging/platforms.json, each holding only its binary
// (from target-cross/bin/<key>/, which scripts/cross-build.sh fills), a README, the licence and its
// os/cpu fields. One version: the product's package.json's, which the Cargo workspace must carry (checked)
// and which every platform package and the product's optionalDependencies get from here. Those
// optionalDependencies are written into the packed manifest only: in this repository they would name
// packages not published yet, which `npm ci` cannot lock.
//
// Usage: node scripts/pack.mjs [--platforms KEY,KEY] [--host-build debug|release] [--no-build]
//   --platforms: default every platform; a missing binary fails.
//   --host-build: this machine's platform package holds this checkout's own cargo build of that profile
//   instead of the cross-built binary: what `npm test` packs, so its packed-install check needs no cross
//   toolchain (`npm run test:full` packs the cross-built binaries, as they ship).
//   --no-build: pack the product's dist/ as it is (it must hold both builds): what the test steps pass,
//   since they built it before any check ran and other checks import it while this one packs (a rebuild
//   starts by removing dist/).
// `npm run pack` cross-builds every platform first.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "artifacts", "npm");
const stage = join(root, "artifacts", "npm-stage");
const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ["npm"];
const readJson = (file) => JSON.parse(readFileSync(join(root, file), "utf8"));

function fail(message) {
  console.error(`pack: ${message}`);
  process.exit(1);
}

function run(cmd, args, cwd = root) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (r.status !== 0) fail(`${cmd} ${args.join(" ")} failed (exit ${r.status})`);
  return r.stdout;
}

const arg = process.argv.indexOf("--platforms");
const { platforms } = readJson("packaging/platforms.json");
const wanted = arg > 0 ? process.argv[arg + 1].split(",") : platforms.map((p) => p.key);
for (const key of wanted) if (!platforms.some((p) => p.key === key)) fail(`unknown platform ${key}`);
const hostArg = process.argv.indexOf("--host-build");
const hostBuild = hostArg > 0 ? process.argv[hostArg + 1] : null;
if (hostBuild !== null && !["debug", "release"].includes(hostBuild)) fail(`--host-build takes debug or release, not ${hostBuild}`);
const hostKey = `${process.platform}-${process.arch}`;

// One version, checked.
const product = readJson("packages/process/package.json");
const version = product.version;
const cargoVersion = /\[workspace\.package\][^[]*?^version\s*=\s*"([^"]+)"/ms.exec(readFileSync(join(root, "Cargo.toml"), "utf8"))?.[1];
if (cargoVersion !== version) fail(`Cargo.toml's workspace version is ${cargoVersion}, @pawwork/process's is ${version}: the sidecar's hello must name the package's version`);
if (product.optionalDependencies) fail("packages/process/package.json lists optionalDependencies: they are written at pack time from packaging/platforms.json");
const licence = readFileSync(join(root, "LICENSE"), "utf8");
if (readFileSync(join(root, "packages", "process", "LICENSE"), "utf8") !== licence) fail("packages/process/LICENSE differs from LICENSE");

rmSync(out, { recursive: true, force: true });
rmSync(stage, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

if (!process.argv.includes("--no-build")) run(npm[0], [...npm.slice(1), "run", "build", "-w", "@pawwork/process"]);
for (const entry of ["index.js", join("cjs", "index.js")]) {
  if (!existsSync(join(root, "packages", "process", "dist", entry))) fail(`packages/process/dist/${entry} is missing: npm run build -w @pawwork/process`);
}
packProduct();

for (const p of platforms.filter((x) => wanted.includes(x.key))) {
  const exe = p.os === "win32" ? "pawwork-supervisor.exe" : "pawwork-supervisor";
  const binary = hostBuild && p.key === hostKey ? join(root, "target", hostBuild, exe) : join(root, "target-cross", "bin", p.key, exe);
  if (!existsSync(binary)) {
    fail(`${p.key}: no binary at ${relative(root, binary)} (${hostBuild && p.key === hostKey ? `cargo build${hostBuild === "release" ? " --release" : ""} -p pawwork-supervisor` : `bash scripts/cross-build.sh ${p.key}`})`);
  }
  const dir = join(stage, p.key);
  mkdirSync(join(dir, "bin"), { recursive: true });
  copyFileSync(binary, join(dir, "bin", exe));
  chmodSync(join(dir, "bin", exe), 0o755);
  writeFileSync(join(dir, "LICENSE"), licence);
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(platformManifest(p, version), null, 2)}\n`);
  writeFileSync(join(dir, "README.md"), platformReadme(p, version, exe));
  run(npm[0], [...npm.slice(1), "pack", "--pack-destination", out, "--silent"], dir);
}
console.log(`pack: ${readdirSync(out).sort().map((f) => `artifacts/npm/${f}`).join(", ")}`);

/** The product as published: its files, and its manifest with the platform packages and without the repository's scripts. */
function packProduct() {
  const from = join(root, "packages", "process");
  const dir = join(stage, "process");
  mkdirSync(dir, { recursive: true });
  for (const entry of product.files) cpSync(join(from, entry), join(dir, entry), { recursive: true });
  const { scripts: _scripts, devDependencies: _dev, ...manifest } = product;
  manifest.optionalDependencies = Object.fromEntries(platforms.map((p) => [`@pawwork/supervisor-${p.key}`, version]));
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  run(npm[0], [...npm.slice(1), "pack", "--pack-destination", out, "--silent"], dir);
}

function platformManifest(p, version) {
  return {
    name: `@pawwork/supervisor-${p.key}`,
    version,
    description: `The pawwork-supervisor sidecar binary for ${p.key} (${p.target}), installed by @pawwork/process`,
    license: "MIT",
    os: [p.os],
    cpu: [p.cpu],
    files: ["bin"],
    // Yarn's PnP would otherwise keep the binary inside a zip, where it cannot be executed.
    preferUnplugged: true,
  };
}

function platformReadme(p, version, exe) {
  return `# @pawwork/supervisor-${p.key}

The \`pawwork-supervisor\` sidecar for ${p.key} (Rust target \`${p.target}\`; ${p.libc}), version ${version}:
\`bin/${exe}\` and nothing else. It is an optional dependency of \`@pawwork/process\`, which finds it with
\`require.resolve\`; npm installs only the package of the machine it runs on (\`os\`: ${p.os}, \`cpu\`: ${p.cpu}).
Install \`@pawwork/process\`, not this package.
`;
}
