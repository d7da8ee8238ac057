// The hooks of running.ts (ADR 0011): what a loop written against the
// interfaces sets so that loop-agnostic helpers find its running loop, its
// current task and its tasks, and recognise its futures.
import { describe, expect, it } from '@jest/globals';
import {
  FUTURE_BLOCKING,
  RuntimeError,
  TASK_AWAIT,
  TASK_RELEASE,
  allTasksOf,
  currentTaskOf,
  enterTask,
  isAwaitingTask,
  isFuture,
  leaveTask,
  peekRunningLoop,
  registerTask,
  setRunningLoop,
  setTaskLookup,
  unregisterTask,
  type Task,
} from '../src/index.js';
import { FakeFuture, FakeLoop } from './helpers/fake-loop.js';

/** The names of `tasks` (futures are iterable, so `toEqual` would iterate them). */
const names = (tasks: Task<unknown>[]): string[] => tasks.map((t) => (t as unknown as { toString(): string }).toString());

/** A stand-in task: a future of `loop` with a name (only what the hooks read). */
function fakeTask(loop: FakeLoop, name: string): Task<unknown> {
  const fut = new FakeFuture<unknown>(loop) as unknown as Task<unknown>;
  Object.assign(fut, { toString: () => `<Task ${name}>` });
  return fut;
}

describe('running.ts: the hooks every loop shares', () => {
  it('isFuture() is the duck test: a boolean [FUTURE_BLOCKING], whatever the class', () => {
    const loop = new FakeLoop();
    expect(isFuture(new FakeFuture(loop))).toBe(true);
    expect(isFuture({ [FUTURE_BLOCKING]: false })).toBe(true);
    expect(isFuture({ [FUTURE_BLOCKING]: 'yes' })).toBe(false);
    expect(isFuture(Promise.resolve(1))).toBe(false);
    expect(isFuture(null)).toBe(false);
    expect(isFuture({ then() {}, done() {}, addDoneCallback() {} })).toBe(false);
  });

  it('yield* on a future sets [FUTURE_BLOCKING] just before it yields the future', () => {
    const fut = new FakeFuture<number>(new FakeLoop());
    const gen = fut[Symbol.iterator]();
    expect(fut[FUTURE_BLOCKING]).toBe(false);
    expect(gen.next().value).toBe(fut);
    expect(fut[FUTURE_BLOCKING]).toBe(true);
  });

  it('setRunningLoop / peekRunningLoop: the slot every loop sets in runForever', () => {
    const loop = new FakeLoop();
    expect(peekRunningLoop()).toBeNull();
    setRunningLoop(loop);
    try {
      expect(peekRunningLoop()).toBe(loop);
    } finally {
      setRunningLoop(null);
    }
    expect(peekRunningLoop()).toBeNull();
  });

  it("enterTask / leaveTask: one task per loop at a time, with asyncio's RuntimeErrors", () => {
    const a = new FakeLoop();
    const b = new FakeLoop();
    const t1 = fakeTask(a, 't1');
    const t2 = fakeTask(a, 't2');
    const t3 = fakeTask(b, 't3');
    expect(currentTaskOf(a)).toBeNull();
    enterTask(a, t1);
    enterTask(b, t3); // another loop: its own slot
    expect(currentTaskOf(a)).toBe(t1);
    expect(currentTaskOf(b)).toBe(t3);
    const e = (() => {
      try {
        enterTask(a, t2);
      } catch (err) {
        return err as Error;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(RuntimeError);
    expect(e?.message).toBe('Cannot enter into task <Task t2> while another task <Task t1> is being executed.');
    expect(() => leaveTask(a, t2)).toThrow('Leaving task <Task t2> does not match the current task <Task t1>.');
    leaveTask(a, t1);
    leaveTask(b, t3);
    expect(currentTaskOf(a)).toBeNull();
    expect(() => leaveTask(a, t1)).toThrow(RuntimeError);
  });

  it("setTaskLookup: currentTaskOf asks the loop's lookup when no step is entered; the entered task comes first", () => {
    const loop = new FakeLoop();
    const inAsync = fakeTask(loop, 'async');
    const stepping = fakeTask(loop, 'step');
    setTaskLookup(loop, () => inAsync);
    try {
      expect(currentTaskOf(loop)).toBe(inAsync);
      enterTask(loop, stepping);
      expect(currentTaskOf(loop)).toBe(stepping);
      leaveTask(loop, stepping);
    } finally {
      setTaskLookup(loop, null);
    }
    expect(currentTaskOf(loop)).toBeNull();
  });

  it('registerTask / unregisterTask: allTasksOf lists the pending ones in order; done ones drop out', () => {
    const loop = new FakeLoop();
    const t1 = fakeTask(loop, 't1');
    const t2 = fakeTask(loop, 't2');
    const t3 = fakeTask(loop, 't3');
    for (const t of [t1, t2, t3]) registerTask(t);
    expect(names(allTasksOf(loop))).toEqual(['<Task t1>', '<Task t2>', '<Task t3>']);
    unregisterTask(t2);
    t3.cancel();
    expect(names(allTasksOf(loop))).toEqual(['<Task t1>']);
    expect(allTasksOf(new FakeLoop())).toHaveLength(0);
  });

  it("setTaskLookup(loop, current, all): a loop that keeps its own list answers allTasksOf", () => {
    const loop = new FakeLoop();
    const mine = [fakeTask(loop, 'a'), fakeTask(loop, 'b')];
    mine[1].cancel();
    setTaskLookup(loop, () => null, () => mine);
    try {
      expect(names(allTasksOf(loop))).toEqual(['<Task a>']);
    } finally {
      setTaskLookup(loop, null);
    }
  });

  it('isAwaitingTask: a task with both TASK_AWAIT and TASK_RELEASE', () => {
    const awaited: unknown[] = [];
    const task = { [TASK_AWAIT]: (f: unknown) => awaited.push(f) > 0, [TASK_RELEASE]: () => null };
    expect(isAwaitingTask(task)).toBe(true);
    expect(isAwaitingTask({ [TASK_AWAIT]: () => true })).toBe(false);
    expect(isAwaitingTask(null)).toBe(false);
  });
});
