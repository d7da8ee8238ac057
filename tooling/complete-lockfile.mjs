#!/usr/bin/env node
// Adds to package-lock.json the platform-specific optional packages that this
// machine's npm registry mirror does not serve (darwin / windows / other-CPU
// builds of turbo and of the ESLint resolver). npm leaves them out of the lock
// when it cannot fetch them, and `npm ci` then refuses the lock as out of sync.
// Each entry gets the `os` / `cpu` its name says, so npm skips it on this
// machine exactly as it would with a complete lock. Run after `npm install`.
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const pkgs = lock.packages;
const OS = ['darwin', 'win32', 'linux', 'freebsd', 'android', 'openharmony', 'sunos', 'aix', 'netbsd', 'openbsd'];
const CPU = ['x64', 'arm64', 'arm', 'ia32', 'loong64', 'ppc64', 'riscv64', 's390x', 'mips64el'];
function platformOf(name) {
  const n = name.replace(/^@[^/]+\//, '');
  let os = OS.find((o) => n.includes(o)) ?? (n.includes('windows') ? 'win32' : undefined);
  let cpu = CPU.find((c) => new RegExp(`(^|-)${c}($|-)`).test(n));
  if (!cpu && /(^|-)64($|-)/.test(n)) cpu = 'x64';
  if (n.includes('-x86_64') || n.includes('-amd64')) cpu = 'x64';
  if (n.includes('-aarch64')) cpu = 'arm64';
  const entry = {};
  if (os) entry.os = [os];
  if (cpu) entry.cpu = [cpu];
  if (n.includes('musl')) entry.libc = ['musl'];
  else if (n.includes('gnu') && os === 'linux') entry.libc = ['glibc'];
  return entry;
}
let added = 0;
for (const [path, meta] of Object.entries(pkgs)) {
  for (const [name, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const base = path === '' ? '' : `${path}/`;
    const candidates = [`${base}node_modules/${name}`, `node_modules/${name}`];
    if (candidates.some((c) => pkgs[c])) continue;
    const plat = platformOf(name);
    if (!plat.os && !plat.cpu) continue;
    pkgs[`node_modules/${name}`] = { version, ...plat, dev: meta.dev, optional: true };
    added++;
  }
}
const sorted = Object.fromEntries(Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)));
lock.packages = sorted;
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`complete-lockfile: added ${added} platform entries`);
