#!/usr/bin/env node
// `npm run docs:check`: the API reference and the links of the docs, for CI.
//
// 1. Builds the reference with TypeDoc (typedoc.json) into a temporary folder.
//    typedoc.json treats warnings as errors, so an export without TSDoc
//    (`notDocumented`), a `{@link}` that resolves nowhere (`invalidLink`) or a
//    public signature naming a type no package exports (`notExported`) fails.
// 2. Compares that folder with the checked-in docs/api/: any file added,
//    missing or different means docs/api/ is stale (`npm run docs:api`).
// 3. Checks that docs/asyncio-mapping.md links its API names (link-mapping.mjs).
// 4. Runs check-links.mjs over the Markdown.
//
// TypeDoc reads the packages' built declarations for cross-package types, so
// run it after `turbo run build` (`npm test` does).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const checked = join(root, 'docs/api');

/** Every file under `dir`, relative to it. */
function filesUnder(dir) {
  const out = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  try {
    walk(dir);
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  return out.sort();
}

const started = Date.now();
const out = mkdtempSync(join(tmpdir(), 'loop-api-'));
let failed = false;
try {
  const typedoc = spawnSync(process.execPath, [join(root, 'node_modules/typedoc/bin/typedoc'), '--out', out, '--logLevel', 'Warn'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (typedoc.status !== 0) {
    console.error(`docs:check: TypeDoc failed (exit ${typedoc.status}): fix the warnings above`);
    failed = true;
  } else {
    const fresh = filesUnder(out);
    const old = filesUnder(checked);
    const oldSet = new Set(old);
    const freshSet = new Set(fresh);
    const stale = [
      ...fresh.filter((f) => !oldSet.has(f)).map((f) => `missing from docs/api: ${f}`),
      ...old.filter((f) => !freshSet.has(f)).map((f) => `no longer generated: docs/api/${f}`),
      ...fresh.filter((f) => oldSet.has(f) && !readFileSync(join(out, f)).equals(readFileSync(join(checked, f)))).map((f) => `out of date: docs/api/${f}`),
    ];
    for (const line of stale.slice(0, 20)) console.error(line);
    if (stale.length > 20) console.error(`... and ${stale.length - 20} more`);
    if (stale.length > 0) {
      console.error(`docs:check: docs/api is stale (${stale.length} files): run \`npm run docs:api\` and commit it`);
      failed = true;
    } else {
      console.log(`docs:check: docs/api is current (${fresh.length} files)`);
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
const mapping = spawnSync(process.execPath, [join(root, 'tooling/api-docs/link-mapping.mjs'), '--check'], { cwd: root, stdio: 'inherit' });
if (mapping.status !== 0) failed = true;
const links = spawnSync(process.execPath, [join(root, 'tooling/api-docs/check-links.mjs')], { cwd: root, stdio: 'inherit' });
if (links.status !== 0) failed = true;
console.log(`docs:check: ${failed ? 'FAILED' : 'ok'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exitCode = failed ? 1 : 0;
