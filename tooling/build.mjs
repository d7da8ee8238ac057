#!/usr/bin/env node
// Builds the package in the current directory to dist/esm (ES modules) and
// dist/cjs (CommonJS), each with its own type declarations and a package.json
// that tells Node (and TypeScript) which module format the folder holds.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const cwd = process.cwd();
rmSync(join(cwd, 'dist'), { recursive: true, force: true });
for (const [format, moduleKind, type] of [
  ['esm', 'esnext', 'module'],
  ['cjs', 'commonjs', 'commonjs'],
]) {
  const outDir = join('dist', format);
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--module', moduleKind, '--outDir', outDir], {
    cwd,
    stdio: 'inherit',
  });
  mkdirSync(join(cwd, outDir), { recursive: true });
  writeFileSync(join(cwd, outDir, 'package.json'), JSON.stringify({ type }, null, 2) + '\n');
}
