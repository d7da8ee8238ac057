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
import { loopError, optionsArg } from '@loop/interfaces';
import { performance } from 'node:perf_hooks';

/** The time source of a loop. */
export interface Clock {
  /** Monotonic time in seconds. */
  time(): number;
  /** The smallest step of `time()`, in seconds: a timer due within it counts as due. */
  readonly resolution: number;
  /**
   * Whether the clock is virtual: a loop never waits for it in real time;
   * with nothing ready and no jump it waits until woken.
   */
  readonly virtual: boolean;
  /**
   * Called when the loop would wait `seconds` for its next timer with
   * nothing ready. A virtual clock moves itself forward and returns `true`
   * (the loop does not wait); a real clock returns `false`.
   */
  skip(seconds: number): boolean;
}

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
