#!/usr/bin/env node
// Reads a built sidecar's headers and checks it is what its platform package
// promises: the right format and CPU, and for Linux statically linked (no
// program interpreter), for macOS arm64 code-signed (Apple silicon refuses to
// run unsigned arm64 code). Prints one line saying what it found; exits 1 otherwise.
// Nothing is executed: most of these binaries cannot run here.
//
// Usage: node scripts/check-binary.mjs KEY FILE   (KEY as in packaging/platforms.json)
import { readFileSync } from "node:fs";

const [key, file] = process.argv.slice(2);
if (!key || !file) {
  console.error("usage: node scripts/check-binary.mjs KEY FILE");
  process.exit(2);
}
const [os, cpu] = key.split("-");
const buf = readFileSync(file);

function fail(message) {
  console.error(`check-binary: ${key}: ${file}: ${message}`);
  process.exit(1);
}

/** ELF (64-bit little-endian): e_machine and whether a PT_INTERP (dynamic loader) is requested. */
function elf() {
  if (buf.readUInt32BE(0) !== 0x7f454c46) fail("not an ELF file");
  if (buf[4] !== 2 || buf[5] !== 1) fail("not a 64-bit little-endian ELF file");
  const machine = buf.readUInt16LE(18);
  const phoff = Number(buf.readBigUInt64LE(32));
  const phentsize = buf.readUInt16LE(54);
  const phnum = buf.readUInt16LE(56);
  let interp = false;
  for (let i = 0; i < phnum; i++) if (buf.readUInt32LE(phoff + i * phentsize) === 3) interp = true;
  return { machine, interp };
}

/** Mach-O 64-bit: cputype and whether an LC_CODE_SIGNATURE load command is present. */
function macho() {
  if (buf.readUInt32LE(0) !== 0xfeedfacf) fail("not a 64-bit Mach-O file");
  const cputype = buf.readUInt32LE(4);
  const ncmds = buf.readUInt32LE(16);
  let at = 32;
  let signed = false;
  for (let i = 0; i < ncmds; i++) {
    const cmd = buf.readUInt32LE(at);
    if (cmd === 0x1d) signed = true;
    at += buf.readUInt32LE(at + 4);
  }
  return { cputype, signed };
}

/** PE: the COFF machine field. */
function pe() {
  if (buf.readUInt16LE(0) !== 0x5a4d) fail("not a PE file (no MZ header)");
  const at = buf.readUInt32LE(0x3c);
  if (buf.readUInt32LE(at) !== 0x4550) fail("not a PE file (no PE signature)");
  return { machine: buf.readUInt16LE(at + 4) };
}

const size = `${(buf.length / 1024 / 1024).toFixed(1)} MiB`;
if (os === "linux") {
  const want = { x64: 62, arm64: 183 }[cpu];
  const got = elf();
  if (got.machine !== want) fail(`ELF machine ${got.machine}, expected ${want} for ${cpu}`);
  if (got.interp) fail("dynamically linked (it asks for a program interpreter); the Linux packages ship static binaries");
  console.log(`check-binary: ${key}: ELF ${cpu}, statically linked, ${size}`);
} else if (os === "darwin") {
  const want = { x64: 0x01000007, arm64: 0x0100000c }[cpu];
  const got = macho();
  if (got.cputype !== want) fail(`Mach-O cputype 0x${got.cputype.toString(16)}, expected 0x${want.toString(16)} for ${cpu}`);
  // macOS refuses to run arm64 code without a signature; x86_64 code (Intel, or Rosetta on Apple silicon)
  // runs unsigned, and zig's linker signs arm64 output only.
  if (cpu === "arm64" && !got.signed) fail("no code signature (LC_CODE_SIGNATURE); Apple silicon refuses unsigned arm64 binaries");
  console.log(`check-binary: ${key}: Mach-O ${cpu}, ${got.signed ? "ad-hoc signed (LC_CODE_SIGNATURE present)" : "unsigned"}, ${size}`);
} else if (os === "win32") {
  const want = { x64: 0x8664, arm64: 0xaa64 }[cpu];
  const got = pe();
  if (got.machine !== want) fail(`PE machine 0x${got.machine.toString(16)}, expected 0x${want.toString(16)} for ${cpu}`);
  console.log(`check-binary: ${key}: PE ${cpu}, ${size}`);
} else {
  fail(`unknown os ${os}`);
}
