/**
 * Two copies of @loop/core in one process (its ESM and CommonJS builds, both
 * loaded): the running loop, the current context and the task frame are
 * process-wide (a `Symbol.for` key), so each copy sees the other's tasks.
 */
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { AbstractEventLoop } from '@loop/interfaces';
import * as core from '../src/index.js';

type Core = typeof import('../src/index.js');

describe('dual-package hazard', () => {
  let other: Core;

  beforeAll(async () => {
    await jest.isolateModulesAsync(async () => {
      other = await import('../src/index.js');
    });
  });

  it("a loop of one copy - is an instance of the other copy's AbstractEventLoop", () => {
    const loop = new other.BaseEventLoop();
    expect(Object.getPrototypeOf(other.BaseEventLoop)).not.toBe(AbstractEventLoop);
    expect(loop instanceof AbstractEventLoop).toBe(true);
    expect(loop instanceof core.BaseEventLoop).toBe(false);
    loop.close();
  });

  it("currentTask() of one copy - names the task of the other copy, also after an async function's awaits", async () => {
    expect(other.currentTask).not.toBe(core.currentTask);
    const loop = new core.BaseEventLoop();
    const seen: boolean[] = [];
    const task = loop.createTask(async () => {
      seen.push(other.currentTask(loop) === task);
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.push(other.currentTask(loop) === task);
      await core.sleep(0);
      seen.push(other.currentTask(loop) === task);
    });
    await loop.runUntilComplete(task);
    loop.close();
    expect(seen).toEqual([true, true, true]);
  });
});
