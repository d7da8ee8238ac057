#!/usr/bin/env node
// Converts conformance suite files to the runner-agnostic form (ADR 0008).
// Idempotent: a converted file is left as it is.
//
//   node packages/conformance/scripts/convert-suite.mjs packages/conformance/src/locks.suite.ts [...more files]
//
// For each file:
//   1. `import { describe, it, expect, ... } from '@jest/globals'` becomes
//      `import { describe, it, ... } from './runner.js'` (the relative path to
//      src/runner.ts) and `import { expect } from 'expect'`.
//   2. A test whose title does not cite its source yet gets the catalog IDs
//      (LOOP-01, COMBI-03, ...) or CPython test names (test_xyz) named in the
//      `//` comment lines right above it, as a `[ID, ...] ` prefix:
//        // COMBI-01
//        it('sleep(0) - ...'   ->   it('[COMBI-01] sleep(0) - ...'
//   Test-defining calls: it(, test(, netTest( (the harnesses' `it`s).
// It prints, per file, how many imports and titles it changed and the titles
// still without a source (to be given an ID by hand).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const srcDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');
const ID = /\b(?:[A-Z]{2,8}-\d+[a-z]?|test_[a-z0-9_]+)\b/g;
const CITED = /^\[[^\]]+\]|\b[A-Z]{2,8}-\d+[a-z]?\b|^S\d\d\b/;

function convertImports(text, file) {
  let rel = relative(dirname(file), resolve(srcDir, 'runner.js')).split('\\').join('/');
  if (!rel.startsWith('.')) rel = `./${rel}`;
  let changed = 0;
  const out = text.replace(/import\s*\{([^}]*)\}\s*from\s*'@jest\/globals';/g, (_m, names) => {
    changed++;
    const list = names.split(',').map((s) => s.trim()).filter(Boolean);
    const runnerNames = list.filter((n) => n !== 'expect');
    if (list.some((n) => /^jest\b/.test(n))) throw new Error(`${file}: uses the jest object, which has no runner-agnostic stand-in`);
    const lines = [];
    if (list.includes('expect')) lines.push("import { expect } from 'expect';");
    if (runnerNames.length > 0) lines.push(`import { ${runnerNames.join(', ')} } from '${rel}';`);
    return lines.join('\n');
  });
  return { text: out, changed };
}

function citeTitles(text) {
  const lines = text.split('\n');
  let changed = 0;
  const uncited = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*(?:it|test|netTest)\(\s*)(.*)$/.exec(lines[i]);
    if (!m) continue;
    // The title is on this line or, after `it(`, on the next one.
    let at = i;
    let prefix = m[1];
    let rest = m[2];
    if (rest === '') {
      at = i + 1;
      const n = /^(\s*)(.*)$/.exec(lines[at]);
      prefix = n[1];
      rest = n[2];
    }
    const q = /^(['"`])/.exec(rest);
    if (!q) continue;
    const title = rest.slice(1);
    if (CITED.test(title)) continue;
    const ids = [];
    for (let j = i - 1; j >= 0 && lines[j].trim().startsWith('//'); j--) {
      for (const id of lines[j].match(ID) ?? []) if (!ids.includes(id)) ids.unshift(id);
    }
    if (ids.length === 0) {
      uncited.push(title.slice(0, title.indexOf(q[1]) >= 0 ? title.indexOf(q[1]) : 80));
      continue;
    }
    lines[at] = `${prefix}${q[1]}[${ids.join(', ')}] ${title}`;
    changed++;
  }
  return { text: lines.join('\n'), changed, uncited };
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: convert-suite.mjs <suite.ts>...');
  process.exit(2);
}
for (const f of files) {
  const file = resolve(f);
  const before = readFileSync(file, 'utf8');
  const a = convertImports(before, file);
  const b = citeTitles(a.text);
  if (b.text !== before) writeFileSync(file, b.text);
  console.log(`${f}: ${a.changed} import(s) converted, ${b.changed} title(s) cited, ${b.uncited.length} without a source`);
  for (const t of b.uncited) console.log(`  no source: ${t}`);
}
