/**
 * Timers: 100,000 `callLater` with seeded random delays in [0, 0.1 s], run
 * until all have fired; then the same with a random half cancelled right
 * after scheduling. Reference: the same delays with `setTimeout` /
 * `clearTimeout`.
 *
 * Delays are whole milliseconds (0..100 ms) for both sides: that is how
 * `setTimeout` is used, and Node keeps one timer list per distinct duration,
 * so fractional milliseconds would give it 100,000 lists and an unfair
 * figure. The loop's heap does not care either way.
 *
 * The figure is CPU seconds (process.cpuUsage, user + system) from the first
 * schedule to the last callback: the wall time is ~0.1 s by construction.
 */
import { BaseEventLoop } from '@loop/core';
import type { TimerHandle } from '@loop/core';
import type { Case } from './cases.js';
import { check, collect, cpuSeconds } from './cases.js';
import { mulberry32 } from './prng.js';

const N = 100_000;
const MAX_DELAY_MS = 100;
const GROUP = 'timers (100,000 timers, delays 0..0.1 s)';

interface Plan {
  delaysMs: Int32Array;
  /** Indices of the timers to cancel: a random half. */
  cancel: Int32Array;
}

/** The same plan every time (seed 42). */
function makePlan(): Plan {
  const rand = mulberry32(42);
  const delaysMs = new Int32Array(N);
  for (let i = 0; i < N; i++) delaysMs[i] = Math.floor(rand() * (MAX_DELAY_MS + 1));
  const idx = new Int32Array(N);
  for (let i = 0; i < N; i++) idx[i] = i;
  const half = N / 2;
  // Partial Fisher-Yates: the first `half` slots become a uniform random half.
  for (let i = 0; i < half; i++) {
    const j = i + Math.floor(rand() * (N - i));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return { delaysMs, cancel: idx.slice(0, half) };
}

const PLAN = makePlan();

async function loopTimers(cancelHalf: boolean): Promise<number> {
  const { delaysMs, cancel } = PLAN;
  const loop = new BaseEventLoop();
  const handles: TimerHandle[] = new Array<TimerHandle>(N);
  const expected = cancelHalf ? N - cancel.length : N;
  let fired = 0;
  const cb = (): void => {
    if (++fired === expected) loop.stop();
  };
  collect();
  const cpu = await cpuSeconds(async () => {
    for (let i = 0; i < N; i++) handles[i] = loop.callLater(delaysMs[i] / 1000, cb);
    if (cancelHalf) for (let k = 0; k < cancel.length; k++) handles[cancel[k]].cancel();
    await loop.runForever();
  });
  loop.close();
  check(fired === expected, `callLater fired ${fired} of ${expected}`);
  return cpu;
}

async function nodeTimers(cancelHalf: boolean): Promise<number> {
  const { delaysMs, cancel } = PLAN;
  const handles: NodeJS.Timeout[] = new Array<NodeJS.Timeout>(N);
  const expected = cancelHalf ? N - cancel.length : N;
  let fired = 0;
  collect();
  const cpu = await cpuSeconds(
    () =>
      new Promise<void>((resolve) => {
        const cb = (): void => {
          if (++fired === expected) resolve();
        };
        for (let i = 0; i < N; i++) handles[i] = setTimeout(cb, delaysMs[i]);
        if (cancelHalf) for (let k = 0; k < cancel.length; k++) clearTimeout(handles[cancel[k]]);
      }),
  );
  check(fired === expected, `setTimeout fired ${fired} of ${expected}`);
  return cpu;
}

export const timerCases: Case[] = [
  { id: 'callLater.all', group: GROUP, label: 'loop.callLater, all fire', reference: false, unit: 'cpu-s', run: () => loopTimers(false) },
  { id: 'callLater.halfCancelled', group: GROUP, label: 'loop.callLater, half cancelled', reference: false, unit: 'cpu-s', run: () => loopTimers(true) },
  { id: 'setTimeout.all', group: GROUP, label: 'setTimeout, all fire', reference: true, unit: 'cpu-s', run: () => nodeTimers(false) },
  { id: 'setTimeout.halfCancelled', group: GROUP, label: 'setTimeout, half cleared', reference: true, unit: 'cpu-s', run: () => nodeTimers(true) },
];
