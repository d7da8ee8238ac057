/**
 * The CPython side of the `signals` suite: runs `oracle/signal_handlers.py`
 * with `python3` (or `$PYTHON`) and checks that CPython 3.11 still prints
 * the trace the suite's expectations were written from (catalog.md SIG-01
 * to SIG-10). Where the suite expects the same, the line is marked `same`;
 * the other lines are the numbered deviations.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const PYTHON = process.env.PYTHON ?? 'python3';
const SCRIPT = join(__dirname, '..', 'oracle', 'signal_handlers.py');

/** The trace, line by line, with how the `signals` suite relates to each line. */
const TRACE: readonly (readonly [line: string, suite: string])[] = [
  ['TypeError coroutines cannot be used with add_signal_handler()', 'same (addSignalHandler())'],
  ['TypeError coroutines cannot be used with add_signal_handler()', 'same: the coroutine check comes first'],
  ["TypeError sig must be an int, not 'boom'", "D76: a string is a signal name; 'boom' is a RangeError"],
  ["TypeError sig must be an int, not 'boom'", 'D76 (removeSignalHandler)'],
  ['ValueError invalid signal number 0', 'same (RangeError, D5)'],
  ['ValueError invalid signal number -1', 'same (RangeError)'],
  ['ValueError invalid signal number 66', 'same (RangeError; the suite uses 65)'],
  ['ValueError invalid signal number 0', 'same (removeSignalHandler)'],
  ['RuntimeError sig 9 cannot be caught', 'same'],
  ['RuntimeError sig 19 cannot be caught', 'same'],
  ['remove SIGKILL -> False', 'same'],
  ["order ['A', 'A after kill', 'B', ('handler', 42, 'x')]", 'same (SIG-08, SIG-01 args)'],
  ['remove -> True False', 'same'],
  ["context ['at add', 'set by handler'] default", 'same (SIG-09)'],
  ["replace ['second']", 'same (SIG-05)'],
  ['not running: before run []', 'same (SIG-08)'],
  ['not running: after run [1]', 'same'],
  ['after close 0 0', 'same: close() removes the handlers (SIG_DFL is 0)'],
  ['closed: RuntimeError Event loop is closed', 'same'],
  ['closed: remove -> False', 'same'],
  ["two loops heard ['b']", "D75: both loops hear it (['a'], ['b'])"],
  ["thread [('RuntimeError', 'set_wakeup_fd only works in main thread of the main interpreter')]", 'same, with ERR_LOOP_NOT_MAIN_THREAD'],
];

describe('oracle/signal_handlers.py (CPython 3.11)', () => {
  it('prints the trace the signals suite was written from', () => {
    const r = spawnSync(PYTHON, [SCRIPT], { encoding: 'utf8', timeout: 20000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l !== '')).toEqual(TRACE.map(([line]) => line));
  });
});
