/**
 * Clocks: where a loop reads its time (seconds, monotonic).
 *
 * A loop reads time only through its {@link Clock}, so time is injectable:
 * {@link MonotonicClock} is the real one; {@link VirtualClock} moves only when
 * the loop would otherwise wait, jumping straight to the next timer (like the
 * oracle's `VirtualClockLoop`, and Trio's `MockClock` with autojump), so a
 * trace with timers is exact and a test of a 30-second timeout takes
 * milliseconds.
 *
 * @packageDocumentation
 */
import { loopError, optionsArg, type Clock } from '@loop/interfaces';
import { performance } from 'node:perf_hooks';

/**
 * The time source of a loop: the contract lives in `@loop/interfaces` (so a
 * loop can honour a clock without depending on core); re-exported here
 * unchanged.
 */
export type { Clock } from '@loop/interfaces';

/** The real clock: `performance.now()` in seconds. */
export class MonotonicClock implements Clock {
  readonly resolution = 1e-9;
  readonly virtual = false;
  time(): number {
    return performance.now() / 1000;
  }
  skip(_seconds: number): boolean {
    return false;
  }
}

/** Options of {@link VirtualClock}. */
export interface VirtualClockOptions {
  /** The time the clock starts at, in seconds (0). */
  start?: number;
  /** Whether the loop may jump the clock to its next timer when nothing is ready (true). */
  autojump?: boolean;
}

/**
 * A clock that moves only when told: `advance(seconds)`, or, with `autojump`
 * (the default), when a loop would wait for a timer with nothing ready.
 */
export class VirtualClock implements Clock {
  readonly resolution = 1e-9;
  readonly virtual = true;
  /** Whether the loop may jump the clock to its next timer. */
  autojump: boolean;
  #now: number;
  constructor(options?: VirtualClockOptions | null) {
    options = optionsArg('VirtualClock', options);
    this.#now = options.start ?? 0;
    this.autojump = options.autojump ?? true;
  }
  time(): number {
    return this.#now;
  }
  /** Moves the clock forward by `seconds` (a non-negative finite number). */
  advance(seconds: number): void {
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
      throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `VirtualClock.advance(): seconds must be a non-negative finite number, got ${String(seconds)}`);
    }
    this.#now += seconds;
  }
  skip(seconds: number): boolean {
    if (!this.autojump) return false;
    this.#now += seconds;
    return true;
  }
}
