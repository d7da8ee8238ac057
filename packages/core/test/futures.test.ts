/**
 * Future internals that the conformance suites cannot reach: the repr of the
 * never-retrieved report is made lazily, and equals the future's repr once it
 * is finished and its callbacks have run.
 */
import { describe, expect, it } from '@jest/globals';
import { BaseEventLoop, setLogger } from '../src/index.js';

describe('Future._finishedRepr', () => {
  it.each([false, true])('formats only when called, as String(future) once finished (debug %s)', async (debug) => {
    setLogger({ error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined });
    const loop = new BaseEventLoop({ debug });
    let formatted = 0;
    const exc = {
      toString(): string {
        formatted++;
        return '<Odd value>';
      },
    };
    const fut = loop.createFuture<void>();
    fut.addDoneCallback(() => undefined);
    const repr = fut._finishedRepr(exc);
    const task = loop.createTask(async function named() {
      await Promise.resolve();
      throw exc;
    });
    const taskRepr = task._finishedRepr(exc);
    expect(formatted).toBe(0);
    fut.setException(exc);
    await loop.runUntilComplete(task).catch(() => undefined);
    fut.exception();
    expect(formatted).toBe(0);
    expect(repr()).toBe(String(fut));
    expect(taskRepr()).toBe(String(task));
    expect(String(task)).toMatch(/^<Task finished name='Task-\d+' coro=<named\(\) done> exception=<Odd value>/);
    loop.close();
    setLogger(null);
  });
});
