/**
 * Memory: heap bytes per pending object, 100,000 of each held in a
 * preallocated array, measured as the `heapUsed` difference between two full
 * collections (`--expose-gc`):
 *
 *   TimerHandle  loop.callLater(3600, noop)     (the timer heap's slot included)
 *   Future       loop.createFuture()
 *   setTimeout   setTimeout(noop, 3_600_000)   (reference)
 *   Promise      new Promise(() => {})         (reference)
 */
import { BaseEventLoop } from '@loop/core';
import type { Case } from './cases.js';
import { check, collect, noop } from './cases.js';

const N = 100_000;
const GROUP = 'memory (heap bytes per pending object, 100,000 held)';

function bytesPer(make: () => unknown, release: (held: unknown[]) => void): number {
  check(typeof (globalThis as { gc?: unknown }).gc === 'function', 'run with node --expose-gc');
  const held: unknown[] = new Array<unknown>(N).fill(null);
  collect();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < N; i++) held[i] = make();
  collect();
  const after = process.memoryUsage().heapUsed;
  release(held);
  return (after - before) / N;
}

function timerHandles(): number {
  const loop = new BaseEventLoop();
  return bytesPer(
    () => loop.callLater(3600, noop),
    () => loop.close(),
  );
}

function futures(): number {
  const loop = new BaseEventLoop();
  return bytesPer(
    () => loop.createFuture(),
    () => loop.close(),
  );
}

function nodeTimeouts(): number {
  return bytesPer(
    () => setTimeout(noop, 3_600_000),
    (held) => {
      for (const t of held) clearTimeout(t as NodeJS.Timeout);
    },
  );
}

function promises(): number {
  return bytesPer(
    () => new Promise(() => {}),
    noop,
  );
}

export const memoryCases: Case[] = [
  { id: 'memory.timerHandle', group: GROUP, label: 'pending TimerHandle (callLater)', reference: false, unit: 'bytes', run: timerHandles },
  { id: 'memory.future', group: GROUP, label: 'pending Future (createFuture)', reference: false, unit: 'bytes', run: futures },
  { id: 'memory.setTimeout', group: GROUP, label: 'pending setTimeout', reference: true, unit: 'bytes', run: nodeTimeouts },
  { id: 'memory.promise', group: GROUP, label: 'pending Promise', reference: true, unit: 'bytes', run: promises },
];
