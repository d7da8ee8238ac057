#!/usr/bin/env node
// Runs after tooling/build.mjs: tsc emits no .cjs or .d.cts file, so this
// gives dist/esm and dist/cjs their copy of the addon loader (src/binding.cjs)
// and its types, the loader pointed at the package root two levels up
// (binding.gyp, build/, prebuilds/) instead of one.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.cwd();
const loader = readFileSync(join(root, 'src', 'binding.cjs'), 'utf8');
const from = "join(__dirname, '..')";
if (!loader.includes(from)) throw new Error(`dist-binding: src/binding.cjs no longer contains ${from}`);
for (const format of ['esm', 'cjs']) {
  const dir = join(root, 'dist', format);
  writeFileSync(join(dir, 'binding.cjs'), loader.replace(from, "join(__dirname, '..', '..')"));
  copyFileSync(join(root, 'src', 'binding.d.cts'), join(dir, 'binding.d.cts'));
}
