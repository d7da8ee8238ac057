/**
 * `@loop/core/testing`: `TestLoop`, a `BaseEventLoop` on virtual time.
 *
 * Time starts at 0 and moves only when told: `advance(seconds)`, or, with
 * `autojump`, straight to the next timer whenever nothing is ready. A test of
 * a 30-second timeout then runs in milliseconds and gives the same trace
 * every time (Trio's `MockClock` with `autojump_threshold=0`).
 *
 * @packageDocumentation
 */
import { BaseEventLoop } from './base-event-loop.js';
import { VirtualClock } from './clock.js';
import { optionsArg } from '@loop/interfaces';

/** Options of `new TestLoop()`. */
export interface TestLoopOptions {
  /** Jump the clock to the next timer whenever nothing is ready (false). */
  autojump?: boolean;
  /** Debug mode (as `BaseEventLoop`'s option). */
  debug?: boolean;
  /** A virtual clock to use (shared with a test harness, say); its own `autojump` then applies. */
  clock?: VirtualClock;
}

/** A `BaseEventLoop` whose clock is virtual. */
export class TestLoop extends BaseEventLoop {
  readonly #clock: VirtualClock;

  constructor(options?: TestLoopOptions | null) {
    options = optionsArg('TestLoop', options);
    const clock = options.clock ?? new VirtualClock({ autojump: options.autojump ?? false });
    if (options.clock !== undefined && options.autojump !== undefined) clock.autojump = options.autojump;
    super({ clock, debug: options.debug });
    this.#clock = clock;
  }

  /** Whether the clock jumps to the next timer when nothing is ready. */
  get autojump(): boolean {
    return this.#clock.autojump;
  }
  set autojump(on: boolean) {
    this.#clock.autojump = Boolean(on);
    if (on) this.wakeup();
  }

  /**
   * Moves the clock forward by `seconds` and resolves once the callbacks due
   * by then have run (waking the loop if it is running and idle). On a loop
   * that is not running, it resolves at once: they run when it runs.
   * `RangeError` for a negative or non-finite step.
   */
  advance(seconds: number): Promise<void> {
    try {
      this.#clock.advance(seconds);
    } catch (e) {
      return Promise.reject(e);
    }
    if (!this.isRunning()) return Promise.resolve();
    // A timer at "now" runs after every timer due by now (equal `when`s run
    // in scheduling order), so it marks the end of what advance() released.
    return new Promise<void>((resolve) => {
      this.callAt(this.time(), resolve);
    });
  }
}
