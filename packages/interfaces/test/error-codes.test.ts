import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  BaseExceptionGroup,
  BrokenBarrierError,
  CancelledError,
  IncompleteReadError,
  InvalidStateError,
  KeyboardInterrupt,
  LOOP_ERROR_CODES,
  LimitOverrunError,
  NotImplementedError,
  QueueEmpty,
  QueueFull,
  RuntimeError,
  SendfileNotAvailableError,
  TimeoutError,
  type LoopErrorCode,
} from '../src/index.js';

const docs = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'errors.md'), 'utf8');

/** The rows of the "Codes" table of docs/errors.md: code -> first class named. */
function documentedCodes(): Map<string, string> {
  const section = docs.slice(docs.indexOf('## Codes'));
  const rows = new Map<string, string>();
  for (const match of section.matchAll(/^\| `(ERR_LOOP_[A-Z_]+)` \| `(\w+)`/gm)) rows.set(match[1], match[2]);
  return rows;
}

const packagesDir = join(__dirname, '..', '..');

/** Every `.ts` file under `dir`. */
function sources(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sources(path));
    else if (entry.name.endsWith('.ts')) files.push(path);
  }
  return files;
}

/** The `'ERR_LOOP_*'` codes written in the library sources (`packages/<name>/src`, the conformance suites excepted), with where. */
function codesUsedInSources(): Map<string, string> {
  const used = new Map<string, string>();
  for (const pkg of readdirSync(packagesDir)) {
    if (pkg === 'conformance') continue;
    let files: string[];
    try {
      files = sources(join(packagesDir, pkg, 'src'));
    } catch {
      continue;
    }
    for (const file of files) {
      for (const match of readFileSync(file, 'utf8').matchAll(/['"`](ERR_LOOP_[A-Z_]+)['"`]/g)) {
        if (!used.has(match[1])) used.set(match[1], file.slice(packagesDir.length + 1));
      }
    }
  }
  return used;
}

describe('LOOP_ERROR_CODES', () => {
  it('docs/errors.md - lists every ERR_LOOP_* code that a source file of packages/*/src uses', () => {
    const documented = documentedCodes();
    const used = codesUsedInSources();
    expect(used.size).toBeGreaterThan(10);
    const missing = [...used].filter(([code]) => !documented.has(code)).map(([code, file]) => `${code} (${file})`);
    expect(missing).toEqual([]);
  });

  it('LOOP_ERROR_CODES - is frozen and every code is ERR_LOOP_*', () => {
    expect(Object.isFrozen(LOOP_ERROR_CODES)).toBe(true);
    for (const code of Object.keys(LOOP_ERROR_CODES)) expect(code).toMatch(/^ERR_LOOP_[A-Z_]+$/);
  });

  it('docs/errors.md - documents exactly the codes of LOOP_ERROR_CODES, each with its class', () => {
    const documented = documentedCodes();
    expect([...documented.keys()].sort()).toEqual(Object.keys(LOOP_ERROR_CODES).sort());
    for (const [code, cls] of documented) expect(cls).toBe(LOOP_ERROR_CODES[code as LoopErrorCode]);
  });

  it('LOOP_ERROR_CODES - lists the default code of every error class under that class', () => {
    const made: Error[] = [
      new RuntimeError(),
      new NotImplementedError(),
      new SendfileNotAvailableError(),
      new CancelledError(),
      new InvalidStateError(),
      new TimeoutError(),
      new IncompleteReadError(Buffer.alloc(0), 1),
      new LimitOverrunError('m', 0),
      new BaseExceptionGroup('g', [1]),
      new KeyboardInterrupt(),
      new BrokenBarrierError(),
      new QueueEmpty(),
      new QueueFull(),
    ];
    for (const err of made) {
      const code = (err as Error & { code: LoopErrorCode }).code;
      expect(LOOP_ERROR_CODES[code]).toBe(err.name);
    }
  });
});
