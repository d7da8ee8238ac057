/**
 * Records what each example's Python twin prints, normalised, into
 * `fixtures/python-output/<name>.txt`, which `test/examples.test.ts`
 * compares each example's output with (so the test needs no Python).
 *
 *   npm run record --workspace examples     (python3, or $PYTHON)
 *
 * Fails when a twin exits non-zero or writes to stderr.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EXAMPLES, normalise } from './examples.js';

const python = process.env.PYTHON ?? 'python3';
const version = spawnSync(python, ['--version'], { encoding: 'utf8' });
if (version.error) throw version.error;
console.log(`recording with ${version.stdout.trim()}`);
const dir = fileURLToPath(new URL('../fixtures/python-output/', import.meta.url));
mkdirSync(dir, { recursive: true });
let failed = 0;
for (const name of EXAMPLES) {
  const twin = fileURLToPath(new URL(`../python/${name}.py`, import.meta.url));
  const r = spawnSync(python, [twin], { encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0 || r.stderr !== '') {
    console.log(`!!! python/${name}.py exited with status ${r.status}:\n${r.stderr}`);
    failed++;
    continue;
  }
  writeFileSync(`${dir}${name}.txt`, normalise(r.stdout));
  console.log(`recorded fixtures/python-output/${name}.txt`);
}
if (failed > 0) process.exitCode = 1;
