/**
 * `callSoon` throughput: 1,000,000 callbacks, scheduled in one batch and as
 * a self-rescheduling chain, beside `setImmediate` and `queueMicrotask`.
 *
 *   batch  schedule 1e6 callbacks, then one that stops the loop; run
 *          (reference: 1e6 setImmediate / queueMicrotask, then await the last)
 *   chain  each callback schedules the next, 1e6 in all, the last stops the
 *          loop (reference: a setImmediate / queueMicrotask chain of 1e6)
 *
 * Figures are callbacks per second of wall time, scheduling included.
 *
 * The floor: making and holding 1,000,000 objects the size of a `Handle`
 * (three fields), in a growing array, and nothing else. A batch cannot beat
 * it: `callSoon` returns a distinct handle, and the loop must hold it until it
 * runs, because the exception handler gets that very object
 * (`context.handle === h`, as asyncio's). Most of a batch's time is the
 * garbage collector copying those young objects; `setImmediate` pays the same.
 */
import { BaseEventLoop } from '@loop/core';
import { SelectorEventLoop } from '@loop/selector';
import { socketpair } from '@loop/socket';
import type { Case } from './cases.js';
import { check, opsPerSecond } from './cases.js';

const N = 1_000_000;
const GROUP = 'callSoon throughput (1,000,000 callbacks)';

/** A scheduling loop: `BaseEventLoop`, or `SelectorEventLoop` idle or with one idle descriptor watched (a `select(0)` per iteration). */
type LoopKind = 'base' | 'selector' | 'selectorFd';

function newLoop(kind: LoopKind): { loop: BaseEventLoop; done(): void } {
  if (kind === 'base') {
    const loop = new BaseEventLoop();
    return { loop, done: () => loop.close() };
  }
  const loop = new SelectorEventLoop();
  if (kind === 'selector') return { loop, done: () => loop.close() };
  const [a, b] = socketpair();
  loop.addReader(a, () => {});
  return {
    loop,
    done: () => {
      loop.removeReader(a);
      loop.close();
      a.close();
      b.close();
    },
  };
}

async function loopBatch(kind: LoopKind = 'base'): Promise<number> {
  const { loop, done } = newLoop(kind);
  let n = 0;
  const cb = (): void => {
    n++;
  };
  const ops = await opsPerSecond(N, async () => {
    for (let i = 0; i < N; i++) loop.callSoon(cb);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
  });
  done();
  check(n === N, `callSoon batch ran ${n} of ${N} callbacks`);
  return ops;
}

async function loopChain(kind: LoopKind = 'base'): Promise<number> {
  const { loop, done } = newLoop(kind);
  let n = 0;
  const cb = (): void => {
    if (++n < N) loop.callSoon(cb);
    else loop.stop();
  };
  const ops = await opsPerSecond(N, async () => {
    loop.callSoon(cb);
    await loop.runForever();
  });
  done();
  check(n === N, `callSoon chain ran ${n} of ${N} callbacks`);
  return ops;
}

async function immediateBatch(): Promise<number> {
  let n = 0;
  const cb = (): void => {
    n++;
  };
  const ops = await opsPerSecond(N, async () => {
    for (let i = 0; i < N - 1; i++) setImmediate(cb);
    await new Promise<void>((resolve) => {
      setImmediate(() => {
        cb();
        resolve();
      });
    });
  });
  check(n === N, `setImmediate batch ran ${n} of ${N} callbacks`);
  return ops;
}

async function immediateChain(): Promise<number> {
  let n = 0;
  const ops = await opsPerSecond(N, () => {
    return new Promise<void>((resolve) => {
      const cb = (): void => {
        if (++n < N) setImmediate(cb);
        else resolve();
      };
      setImmediate(cb);
    });
  });
  check(n === N, `setImmediate chain ran ${n} of ${N} callbacks`);
  return ops;
}

async function microtaskBatch(): Promise<number> {
  let n = 0;
  const cb = (): void => {
    n++;
  };
  const ops = await opsPerSecond(N, async () => {
    for (let i = 0; i < N - 1; i++) queueMicrotask(cb);
    await new Promise<void>((resolve) => {
      queueMicrotask(() => {
        cb();
        resolve();
      });
    });
  });
  check(n === N, `queueMicrotask batch ran ${n} of ${N} callbacks`);
  return ops;
}

async function microtaskChain(): Promise<number> {
  let n = 0;
  const ops = await opsPerSecond(N, () => {
    return new Promise<void>((resolve) => {
      const cb = (): void => {
        if (++n < N) queueMicrotask(cb);
        else resolve();
      };
      queueMicrotask(cb);
    });
  });
  check(n === N, `queueMicrotask chain ran ${n} of ${N} callbacks`);
  return ops;
}

/** What the floor holds: three fields, as a `Handle` (callback, arguments, context). */
class HandleSized {
  constructor(
    readonly callback: () => void,
    readonly args: unknown[],
    readonly ctx: object,
  ) {}
}

async function retainFloor(): Promise<number> {
  const held: HandleSized[] = [];
  const args: unknown[] = [];
  const ctx = {};
  const cb = (): void => {};
  const ops = await opsPerSecond(N, () => {
    for (let i = 0; i < N; i++) held.push(new HandleSized(cb, args, ctx));
  });
  check(held.length === N, `the floor held ${held.length} of ${N} objects`);
  return ops;
}

export const callSoonCases: Case[] = [
  { id: 'callSoon.batch', group: GROUP, label: 'loop.callSoon batch', reference: false, unit: 'ops/s', run: () => loopBatch() },
  { id: 'callSoon.chain', group: GROUP, label: 'loop.callSoon chain', reference: false, unit: 'ops/s', run: () => loopChain() },
  { id: 'callSoon.batch.selector', group: GROUP, label: 'SelectorEventLoop callSoon batch', reference: false, unit: 'ops/s', run: () => loopBatch('selector') },
  { id: 'callSoon.chain.selector', group: GROUP, label: 'SelectorEventLoop callSoon chain', reference: false, unit: 'ops/s', run: () => loopChain('selector') },
  { id: 'callSoon.chain.selectorFd', group: GROUP, label: 'SelectorEventLoop callSoon chain, one fd watched', reference: false, unit: 'ops/s', run: () => loopChain('selectorFd') },
  { id: 'setImmediate.batch', group: GROUP, label: 'setImmediate batch', reference: true, unit: 'ops/s', run: immediateBatch },
  { id: 'setImmediate.chain', group: GROUP, label: 'setImmediate chain', reference: true, unit: 'ops/s', run: immediateChain },
  { id: 'queueMicrotask.batch', group: GROUP, label: 'queueMicrotask batch', reference: true, unit: 'ops/s', run: microtaskBatch },
  { id: 'queueMicrotask.chain', group: GROUP, label: 'queueMicrotask chain', reference: true, unit: 'ops/s', run: microtaskChain },
  { id: 'floor.retain', group: GROUP, label: 'floor: hold 1,000,000 Handle-sized objects', reference: true, unit: 'ops/s', run: retainFloor },
];
