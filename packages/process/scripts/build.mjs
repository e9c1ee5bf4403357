#!/usr/bin/env node
// Builds what the package ships, from scratch: the ESM build and its declarations with tsc (dist/), then the
// CommonJS build (dist/cjs/, marked "type": "commonjs") converted file by file from it by esbuild, with the
// same declarations beside it, so `import` and `require` each get their own build and types. No source maps:
// they would point at src/, which is not shipped. Files stay one for one (no bundling), so the two builds
// have the same modules and the package's subpaths share them within each build.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { transformSync } from "esbuild";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(pkg, "dist");
const cjs = join(dist, "cjs");
const require = createRequire(import.meta.url);

rmSync(dist, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", join(pkg, "tsconfig.json")], { stdio: "inherit" });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const files = readdirSync(dist, { recursive: true }).map(String);
for (const file of files) {
  const from = join(dist, file);
  const to = join(cjs, file);
  if (file.endsWith(".d.ts")) {
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(from, to);
  } else if (file.endsWith(".js")) {
    const source = readFileSync(from, "utf8");
    // src/self.ts is the one module that asks where it is: in CommonJS that is its own __filename.
    const self = source.includes("import.meta.url");
    const out = transformSync(source, {
      format: "cjs",
      platform: "node",
      target: "node20",
      sourcefile: relative(pkg, from),
      ...(self ? { define: { "import.meta.url": "__selfUrl" }, banner: 'const __selfUrl = require("node:url").pathToFileURL(__filename).href;' } : {}),
    });
    if (out.code.includes("import.meta")) {
      console.error(`build: ${relative(pkg, from)}: import.meta left in the CommonJS build`);
      process.exit(1);
    }
    mkdirSync(dirname(to), { recursive: true });
    writeFileSync(to, out.code);
  }
}
writeFileSync(join(cjs, "package.json"), `${JSON.stringify({ type: "commonjs" }, null, 2)}\n`);
console.log(`build: ${relative(pkg, dist)}/ (ESM) and ${relative(pkg, cjs)}/ (CommonJS), ${files.filter((f) => f.endsWith(".js")).length} modules each`);
