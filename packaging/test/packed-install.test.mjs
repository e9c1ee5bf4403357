// The packed-install test: what a new user gets from the tarballs `npm run pack` wrote (artifacts/npm/).
// @pawwork/process and this machine's platform package are installed into a temporary project outside the
// repository (no cargo workspace above it, no PAWWORK_SUPERVISOR_PATH), which then runs Process.run, a spawn
// + abort of a tree, terminateTree of a tree started elsewhere and the flag's Effect layer, from ESM and from
// CommonJS, under Node and under Bun (the repository's pinned devDependency). Also: the production tree
// holds no comparison peer, the binary used is the platform package's, the failures a user can meet say
// what to do, and an Electron-style app.asar layout (built with @electron/asar) runs the unpacked binary.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const artifacts = join(root, "artifacts", "npm");
const { version } = JSON.parse(readFileSync(join(root, "packages", "process", "package.json"), "utf8"));
const key = `${process.platform}-${process.arch}`;
const platformPkg = `@pawwork/supervisor-${key}`;
const exe = process.platform === "win32" ? "pawwork-supervisor.exe" : "pawwork-supervisor";
const productTgz = join(artifacts, `pawwork-process-${version}.tgz`);
const platformTgz = join(artifacts, `pawwork-supervisor-${key}-${version}.tgz`);
const bun = join(root, "node_modules", ".bin", process.platform === "win32" ? "bun.exe" : "bun");
const require = createRequire(import.meta.url);
const GUARD = { timeout: 120_000 };
/** The comparison peers and what only they need: none may reach a consumer. */
const PEERS = ["execa", "tree-kill", "@effect/platform-node", "@effect/platform-node-shared", "@pawwork/peers", "@pawwork/harness"];

let project;

/** The environment of a user who set nothing of ours, and of no npm script of this repository. */
function userEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("PAWWORK_") && !k.startsWith("npm_") && k !== "INIT_CWD") env[k] = v;
  return { ...env, ...extra };
}

function sh(cmd, args, cwd, env = userEnv()) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", shell: process.platform === "win32", timeout: 300_000 });
  if (r.error) throw r.error;
  return r;
}

function npm(args, cwd) {
  const r = sh("npm", args, cwd);
  assert.equal(r.status, 0, `npm ${args.join(" ")}: ${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The version of `effect` this repository tests the layer with (the consumer brings its own: an optional peer). */
function effectVersion() {
  return JSON.parse(readFileSync(require.resolve("effect/package.json", { paths: [join(root, "packages", "process")] }), "utf8")).version;
}

/** Runs an entry script of the consumer; returns the two JSON lines it prints (entry, then what it saw). */
function runEntry(runtime, file, cwd = project, env = userEnv({ PAWWORK_PROCESS_BACKEND: "supervisor" })) {
  const r = spawnSync(runtime, [file], { cwd, env, encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, `${runtime} ${file} failed: ${r.error ?? ""}\n${r.stdout}\n${r.stderr}`);
  const lines = r.stdout.trim().split(/\r?\n/).filter((l) => l.startsWith("{"));
  assert.equal(lines.length, 2, `${runtime} ${file} printed: ${r.stdout}`);
  return { entry: JSON.parse(lines[0]), seen: JSON.parse(lines[1]) };
}

/** Runs a one-line CommonJS script in the consumer that reports what the lookup throws. */
function lookupError(cwd = project) {
  const script = `try { require("@pawwork/process").supervisorLocation(); console.log("found") } catch (e) { console.log(JSON.stringify({ name: e.name, message: e.message, platformKey: e.platformKey, expectedPackage: e.expectedPackage, expected: e.expected, found: e.found })) }`;
  const r = spawnSync(process.execPath, ["-e", script], { cwd, env: userEnv(), encoding: "utf8", timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.notEqual(r.stdout.trim(), "found", "the lookup found a binary it should not have");
  return JSON.parse(r.stdout.trim());
}

function tarList(tgz) {
  const r = sh("tar", ["-tzf", tgz], root);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split(/\r?\n/).filter(Boolean).sort();
}

function installedBinary(dir = project) {
  return realpathSync(join(dir, "node_modules", "@pawwork", `supervisor-${key}`, "bin", exe));
}

before(() => {
  for (const file of [productTgz, platformTgz]) assert.ok(existsSync(file), `${relative(root, file)} is missing: run npm run pack`);
  project = realpathSync(mkdtempSync(join(os.tmpdir(), "pawwork-consumer-")));
  assert.ok(!project.startsWith(realpathSync(root) + sep), "the consumer must live outside the repository");
  for (let dir = project; dirname(dir) !== dir; dir = dirname(dir)) {
    assert.ok(!existsSync(join(dir, "Cargo.toml")), `a Cargo.toml above the consumer (${dir}) would be a workspace to fall back on`);
  }
  writeFileSync(join(project, "package.json"), `${JSON.stringify({ name: "consumer", private: true, version: "1.0.0" }, null, 2)}\n`);
  npm(["install", "--no-audit", "--no-fund", productTgz, platformTgz, `effect@${effectVersion()}`], project);
  for (const file of ["checks.cjs", "consumer-esm.mjs", "consumer-cjs.cjs", "types-esm.mts", "types-cjs.cts", "types-cjs-effect.cts"]) copyFileSync(join(here, file), join(project, file));
});

after(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe("the tarballs", () => {
  test("@pawwork/process: both builds with their types, the licence, no source maps, no peer", () => {
    const files = tarList(productTgz);
    for (const f of ["package/LICENSE", "package/README.md", "package/package.json", "package/dist/index.js", "package/dist/index.d.ts", "package/dist/cjs/index.js", "package/dist/cjs/index.d.ts", "package/dist/cjs/package.json", "package/dist/effect/index.js", "package/dist/cjs/effect/index.js"]) {
      assert.ok(files.includes(f), `${f} is not in the tarball`);
    }
    assert.deepEqual(files.filter((f) => f.endsWith(".map")), [], "no source map is shipped");
    assert.deepEqual(files.filter((f) => /\/(execa|tree-kill)\/|backends\.js$/.test(f)), [], "no comparison peer is shipped");
    const dir = join(project, "node_modules", "@pawwork", "process");
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    assert.equal(manifest.license, "MIT");
    assert.deepEqual(Object.keys(manifest.dependencies), ["cross-spawn"]);
    const platforms = JSON.parse(readFileSync(join(root, "packaging", "platforms.json"), "utf8")).platforms;
    assert.deepEqual(manifest.optionalDependencies, Object.fromEntries(platforms.map((p) => [`@pawwork/supervisor-${p.key}`, version])), "every platform package, at the product's version");
    assert.equal(manifest.scripts, undefined, "the repository's build scripts are not published");
    for (const f of files.filter((x) => x.endsWith(".js"))) {
      assert.doesNotMatch(readFileSync(join(dir, f.slice("package/".length)), "utf8"), /sourceMappingURL/, `${f} points at a source map`);
    }
  });

  test(`${platformPkg}: its binary's --version is the package's`, () => {
    const r = spawnSync(installedBinary(), ["--version"], { encoding: "utf8", timeout: 30_000 });
    assert.equal(r.status, 0, `${r.error ?? ""} ${r.stderr}`);
    assert.equal(r.stdout.trim(), `pawwork-supervisor ${version} (protocol 1)`);
  });

  test(`${platformPkg}: only the binary, its licence and README, with os and cpu`, () => {
    assert.deepEqual(tarList(platformTgz), ["package/LICENSE", "package/README.md", `package/bin/${exe}`, "package/package.json"]);
    const manifest = JSON.parse(readFileSync(join(project, "node_modules", "@pawwork", `supervisor-${key}`, "package.json"), "utf8"));
    assert.deepEqual([manifest.os, manifest.cpu, manifest.version, manifest.license], [[process.platform], [process.arch], version, "MIT"]);
  });

  test("TypeScript finds the types of both builds: import and require (node16), the Effect subpath by require (nodenext)", () => {
    const tsc = require.resolve("typescript/bin/tsc", { paths: [join(root, "packages", "process")] });
    const check = (module, files) => {
      const compilerOptions = { module, moduleResolution: module, target: "es2022", strict: true, noEmit: true, types: ["node"], typeRoots: [join(root, "node_modules", "@types")] };
      writeFileSync(join(project, `tsconfig.${module}.json`), JSON.stringify({ compilerOptions, files }, null, 2));
      const r = spawnSync(process.execPath, [tsc, "-p", `tsconfig.${module}.json`, "--traceResolution"], { cwd: project, encoding: "utf8", timeout: 120_000 });
      assert.equal(r.status, 0, `tsc (${module}): ${r.stdout.split("\n").filter((l) => l.includes("error")).join("\n")}`);
      return r.stdout;
    };
    const traced = check("node16", ["types-esm.mts", "types-cjs.cts"]);
    assert.match(traced, /'@pawwork\/process' was successfully resolved to '[^']*node_modules\/@pawwork\/process\/dist\/index\.d\.ts'/);
    assert.match(traced, /'@pawwork\/process' was successfully resolved to '[^']*node_modules\/@pawwork\/process\/dist\/cjs\/index\.d\.ts'/);
    const next = check("nodenext", ["types-esm.mts", "types-cjs.cts", "types-cjs-effect.cts"]);
    assert.match(next, /'@pawwork\/process\/effect' was successfully resolved to '[^']*node_modules\/@pawwork\/process\/dist\/cjs\/effect\/index\.d\.ts'/);
  });

  test("the consumer's production tree holds no comparison peer", () => {
    const tree = JSON.parse(npm(["ls", "--all", "--omit=dev", "--json"], project));
    // npm ls also lists the other platforms' packages (not installed: "missing") and the peer `effect`.
    const installed = (deps) => Object.entries(deps ?? {}).filter(([, node]) => node.version && !node.missing);
    const names = new Set();
    const walk = (deps) => {
      for (const [name, node] of installed(deps)) {
        names.add(name);
        walk(node.dependencies);
      }
    };
    walk(tree.dependencies);
    assert.deepEqual(PEERS.filter((p) => names.has(p)), []);
    const manifest = JSON.parse(readFileSync(join(project, "node_modules", "@pawwork", "process", "package.json"), "utf8"));
    const brought = installed(tree.dependencies["@pawwork/process"].dependencies)
      .map(([name]) => name)
      .filter((name) => !(name in (manifest.peerDependencies ?? {})));
    assert.deepEqual(brought.sort(), ["cross-spawn", platformPkg].sort(), "the product brings cross-spawn and this platform's package only");
  });
});

const RUNTIMES = [
  ["Node", process.execPath],
  ["Bun", bun],
];
for (const [name, runtime] of RUNTIMES) {
  for (const [format, file, build] of [
    ["ESM", "consumer-esm.mjs", join("dist", "index.js")],
    ["CommonJS", "consumer-cjs.cjs", join("dist", "cjs", "index.js")],
  ]) {
    test(`${name}, ${format}: the platform package's binary runs Process.run, an aborted tree, terminateTree and the Effect layer`, GUARD, () => {
      const { entry, seen } = runEntry(runtime, file);
      const product = join(project, "node_modules", "@pawwork", "process");
      const asPath = (s) => (s.startsWith("file:") ? fileURLToPath(s) : s);
      assert.equal(realpathSync(asPath(entry.entry)), realpathSync(join(product, build)), `${format} loads its own build`);
      assert.equal(seen.location.source, "platform-package");
      assert.equal(seen.realLocation, installedBinary());
      if (process.platform === "linux") assert.equal(realpathSync(seen.sidecarExe), installedBinary(), "the sidecar that ran is the platform package's");
      assert.equal(seen.backend, "supervisor");
      assert.equal(seen.run, "run-ok");
      assert.equal(seen.treeAliveBefore, 3, "root and both children ran");
      assert.equal(seen.abortOutcome, "cancelled");
      assert.deepEqual(seen.treeLeftAfterAbort, [], "the abort ended the whole tree");
      assert.deepEqual(seen.foreignLeft, [], "terminateTree ended the tree started elsewhere");
      assert.equal(seen.effectLayerFollowsFlag, "supervisor");
      assert.equal(seen.effect, "effect-ok");
    });
  }
}

describe("what a user is told when the binary cannot be used", () => {
  const pkgDir = () => join(project, "node_modules", "@pawwork", `supervisor-${key}`);
  const moved = () => join(project, "node_modules", "@pawwork", "supervisor-elsewhere-cpu");

  test("optional dependencies omitted: the key, the package, where it looked, what to do", () => {
    renameSync(pkgDir(), join(project, "platform-package-aside"));
    try {
      const err = lookupError();
      assert.equal(err.name, "SupervisorNotFoundError");
      assert.equal(err.platformKey, key);
      assert.equal(err.expectedPackage, platformPkg);
      assert.match(err.message, new RegExp(`for this platform \\(${key}\\): expected the package ${platformPkg.replace("/", "\\/")}`));
      assert.match(err.message, /optional dependencies omitted/);
      assert.ok(err.message.includes(join(project, "node_modules", platformPkg)), "it names where it looked");
      assert.match(err.message, /PAWWORK_SUPERVISOR_PATH/);
      assert.doesNotMatch(err.message, /target[\\/](release|debug)/, "no workspace build outside the repository");
    } finally {
      renameSync(join(project, "platform-package-aside"), pkgDir());
    }
  });

  test("node_modules installed for another platform: names what it found instead", () => {
    renameSync(pkgDir(), moved());
    try {
      const err = lookupError();
      assert.match(err.message, /Found @pawwork\/supervisor-elsewhere-cpu instead: node_modules was installed on another OS or CPU/);
    } finally {
      renameSync(moved(), pkgDir());
    }
  });

  test("a platform package of another version: one error naming both versions", () => {
    const file = join(pkgDir(), "package.json");
    const original = readFileSync(file, "utf8");
    writeFileSync(file, original.replace(`"version": "${version}"`, '"version": "0.0.1-other"'));
    try {
      const err = lookupError();
      assert.equal(err.name, "SupervisorVersionError");
      assert.deepEqual([err.expected, err.found], [version, "0.0.1-other"]);
      assert.match(err.message, new RegExp(`@pawwork/process is ${version.replaceAll(".", "\\.")} but the binary .* is 0\\.0\\.1-other`));
    } finally {
      writeFileSync(file, original);
    }
  });
});

describe("an Electron app.asar layout (@electron/asar)", () => {
  test("the lookup from inside app.asar finds and runs the unpacked binary; without it, says asarUnpack", GUARD, async () => {
    const asar = require("@electron/asar");
    const resources = join(project, "..", `${relative(dirname(project), project)}-resources`);
    rmSync(resources, { recursive: true, force: true });
    try {
      const archive = join(resources, "app.asar");
      // What electron-builder's asarUnpack ["**/node_modules/@pawwork/supervisor-*/**"] asks of @electron/asar.
      await asar.createPackageWithOptions(project, archive, { unpack: "**/node_modules/@pawwork/supervisor-*/**" });
      const unpacked = join(resources, "app.asar.unpacked", "node_modules", "@pawwork", `supervisor-${key}`, "bin", exe);
      assert.ok(existsSync(unpacked), "the binary is unpacked beside the archive");
      const header = asar.listPackage(archive, {});
      assert.ok(header.some((f) => f.split(/[\\/]/).join("/").endsWith(`node_modules/@pawwork/process/dist/cjs/index.js`)), "the package is inside the archive");
      // Electron's fs shows the archive as a directory, so require.resolve answers with paths inside it; Node
      // has no such fs, so the archive is extracted to a directory of the same name, and the binary's copy in
      // it removed: nothing runs from inside an archive, only the unpacked copy can.
      const view = join(resources, "app.asar.view");
      asar.extractAll(archive, view);
      renameSync(archive, `${archive}.file`);
      renameSync(view, archive);
      rmSync(join(archive, "node_modules", "@pawwork", `supervisor-${key}`, "bin", exe));
      for (const file of ["consumer-cjs.cjs", "consumer-esm.mjs"]) {
        const { seen } = runEntry(process.execPath, join(archive, file), archive);
        assert.equal(seen.realLocation, realpathSync(unpacked), `${file}: the lookup moved the path to app.asar.unpacked`);
        if (process.platform === "linux") assert.equal(realpathSync(seen.sidecarExe), realpathSync(unpacked), `${file}: the unpacked binary ran`);
        assert.equal(seen.run, "run-ok");
        assert.deepEqual(seen.treeLeftAfterAbort, []);
      }
      rmSync(join(resources, "app.asar.unpacked"), { recursive: true });
      const err = lookupError(archive);
      assert.equal(err.name, "SupervisorNotFoundError");
      assert.match(err.message, /is inside app\.asar, and .*app\.asar\.unpacked.* does not exist/);
      assert.match(err.message, /asarUnpack/);
      assert.match(err.message, /packagerConfig\.asar\.unpack/);
    } finally {
      rmSync(resources, { recursive: true, force: true });
    }
  });
});
