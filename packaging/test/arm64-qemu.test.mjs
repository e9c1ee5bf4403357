// The linux-arm64 platform package's binary, run here under Debian's qemu-user (qemu-aarch64-static):
// it is an aarch64 static binary, answers --version and hello with the package's version and platform, and
// spawns and cancels a whole tree through @pawwork/process. What emulation cannot show (the hello's
// capabilities, printed below, say which paths the sidecar took):
// - the kernel is this machine's: cgroups, pidfds and signals are the host's, not an arm64 kernel's;
// - qemu-user refuses clone3, so the sidecar spawns on its fork path, never clone3's;
// - qemu-user runs threads of its own before the sidecar's main, so the sidecar starts no forked watchdog
//   (it logs why) and its death is not covered here;
// - qemu-user does not pass PR_SET_CHILD_SUBREAPER through (the hello says subreaper: false);
// - every child the sidecar starts is a host (x86-64) program, exec'd natively.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { version } = JSON.parse(readFileSync(join(root, "packages", "process", "package.json"), "utf8"));
const tgz = join(root, "artifacts", "npm", `pawwork-supervisor-linux-arm64-${version}.tgz`);
const qemu = process.env.PAWWORK_QEMU_AARCH64 ?? "qemu-aarch64-static";
const GUARD = { timeout: 60_000 };

let dir;
let binary;
let wrapper;

before(() => {
  dir = mkdtempSync(join(os.tmpdir(), "pawwork-arm64-"));
  const r = spawnSync("tar", ["-xzf", tgz, "-C", dir], { encoding: "utf8" });
  assert.equal(r.status, 0, `cannot unpack ${tgz} (npm run pack writes it): ${r.stderr}`);
  binary = join(dir, "package", "bin", "pawwork-supervisor");
  const check = spawnSync(process.execPath, [join(root, "scripts", "check-binary.mjs"), "linux-arm64", binary], { encoding: "utf8" });
  assert.equal(check.status, 0, check.stderr);
  // The sidecar as @pawwork/process starts it: one program with no arguments.
  wrapper = join(dir, "pawwork-supervisor-qemu");
  writeFileSync(wrapper, `#!/bin/sh\nexec ${qemu} ${JSON.stringify(binary)} "$@"\n`);
  chmodSync(wrapper, 0o755);
});

after(() => rmSync(dir, { recursive: true, force: true }));

test("the arm64 tarball holds an aarch64 binary that answers --version under qemu-user", GUARD, () => {
  const r = spawnSync(qemu, [binary, "--version"], { encoding: "utf8", timeout: 30_000 });
  assert.equal(r.status, 0, `${r.error ?? ""} ${r.stderr}`);
  assert.equal(r.stdout.trim(), `pawwork-supervisor ${version} (protocol 1)`);
});

test("its hello names the package's version and aarch64, and how it spawns under emulation", GUARD, async () => {
  const hello = await firstFrame(spawn(qemu, [binary], { stdio: ["pipe", "pipe", "ignore"] }));
  assert.equal(hello.event, "hello");
  assert.equal(hello.version, version);
  assert.deepEqual(hello.platform, { os: "linux", arch: "aarch64" });
  assert.ok(["fork", "clone3"].includes(hello.capabilities.spawn), JSON.stringify(hello.capabilities));
  console.log(`arm64 sidecar under qemu-user: capabilities ${JSON.stringify(hello.capabilities)}`);
});

test("through @pawwork/process it spawns a tree and a cancel ends every member", GUARD, async () => {
  const { createProcess } = await import(join(root, "packages", "process", "dist", "index.js"));
  const sup = createProcess({ backend: "supervisor", supervisorPath: wrapper });
  try {
    const abort = new AbortController();
    const tree = `sleep 60 & sleep 60 & echo "$!"; wait`;
    const child = sup.spawn(["/bin/sh", "-c", tree], { stdout: "pipe", abort: abort.signal, timeout: 1000 });
    const line = await new Promise((resolve) => child.stdout.once("data", (c) => resolve(String(c).trim())));
    const grandchild = Number(line);
    assert.ok(Number.isInteger(grandchild) && grandchild > 1, `the shell printed ${line}`);
    assert.ok(alive(grandchild), "the grandchild runs");
    abort.abort();
    const outcome = await child.outcome;
    assert.equal(outcome.reason, "cancelled");
    assert.equal(outcome.signal, "SIGTERM");
    assert.ok(await goneWithin(grandchild, 5_000), "the cancel ended the grandchild too");
  } finally {
    await sup.shutdown();
  }
});

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function goneWithin(pid, ms) {
  const deadline = Date.now() + ms;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  return !alive(pid);
}

/** The first frame's JSON header (u32 header length, u32 payload length, header), then the sidecar is closed. */
function firstFrame(proc) {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    proc.stdout.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 8) return;
      const len = buf.readUInt32BE(0);
      if (buf.length < 8 + len) return;
      proc.stdin.end();
      resolve(JSON.parse(buf.subarray(8, 8 + len).toString()));
    });
    proc.once("error", reject);
    proc.once("exit", (code) => buf.length < 8 && reject(new Error(`the sidecar exited (${code}) before hello`)));
  });
}
