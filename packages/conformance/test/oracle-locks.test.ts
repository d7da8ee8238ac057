/**
 * The CPython side of the locks suite's oracle scenario: runs
 * `oracle/locks_trace.py` with `python3` (or `$PYTHON`) and checks that
 * CPython 3.11 prints exactly the trace that the suite's TypeScript ports
 * (coroutines and async functions, on every loop) must print.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { LOCKS_TRACE_LINES } from '../src/locks.suite.js';

const PYTHON = process.env.PYTHON ?? 'python3';
const SCRIPT = join(__dirname, '..', 'oracle', 'locks_trace.py');

describe('oracle/locks_trace.py (CPython 3.11)', () => {
  it('prints the trace the locks suite compares its ports with', () => {
    const r = spawnSync(PYTHON, [SCRIPT], { encoding: 'utf8', timeout: 20000, cwd: join(__dirname, '..', 'oracle') });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l !== '')).toEqual(LOCKS_TRACE_LINES);
  });
});
