/**
 * The table of `Future._flags` / `Task._flags` bits (src/internal/future-flags.ts):
 * no two fields overlap, and each accessor changes its own bits only.
 */
import { describe, expect, it } from '@jest/globals';
import {
  CANCELS_ONE,
  CANCELS_SHIFT,
  FLAG_BLOCKING,
  FLAG_LOG_DESTROY_PENDING,
  FLAG_LOG_TRACEBACK,
  FLAG_MUST_CANCEL,
  KIND_MASK,
} from '../src/internal/future-flags.js';
import { BaseEventLoop } from '../src/index.js';

describe('future flags', () => {
  it('the table - single bits and the kind field are disjoint and below the cancel count', () => {
    const fields = [FLAG_LOG_TRACEBACK, FLAG_BLOCKING, FLAG_MUST_CANCEL, FLAG_LOG_DESTROY_PENDING, KIND_MASK];
    let seen = 0;
    for (const f of fields) {
      expect(seen & f).toBe(0);
      expect(f).toBeLessThan(CANCELS_ONE);
      seen |= f;
    }
    expect(CANCELS_ONE).toBe(1 << CANCELS_SHIFT);
  });

  it("the accessors - each changes only its own bits of a task's _flags", () => {
    const loop = new BaseEventLoop();
    const task = loop.createTask(function* () {});
    const snapshot = () => [task._logTraceback, task._blocking, task._mustCancel, task._logDestroyPending, task._kind, task._numCancelsRequested];
    expect(snapshot()).toEqual([false, false, false, true, 'unstarted', 0]);
    task._numCancelsRequested = 3;
    task._mustCancel = true;
    task._kind = 'async';
    task._blocking = true;
    expect(snapshot()).toEqual([false, true, true, true, 'async', 3]);
    task._numCancelsRequested = 0;
    task._logDestroyPending = false;
    task._kind = 'generator';
    expect(snapshot()).toEqual([false, true, true, false, 'generator', 0]);
    task._blocking = false;
    task._mustCancel = false;
    task._kind = 'unstarted';
    expect(task._flags).toBe(0);
    loop.close();
  });
});
