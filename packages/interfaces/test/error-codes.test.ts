import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BaseExceptionGroup,
  CancelledError,
  IncompleteReadError,
  InvalidStateError,
  LOOP_ERROR_CODES,
  LimitOverrunError,
  NotImplementedError,
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

describe('LOOP_ERROR_CODES', () => {
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
    ];
    for (const err of made) {
      const code = (err as Error & { code: LoopErrorCode }).code;
      expect(LOOP_ERROR_CODES[code]).toBe(err.name);
    }
  });
});
