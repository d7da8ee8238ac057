/**
 * The time source of a loop, as a contract: a loop that reads time only
 * through a {@link Clock} can be run in virtual time (`@loop/core`'s
 * `VirtualClock`) by anyone, the conformance kit included, without
 * depending on `@loop/core`.
 *
 * @packageDocumentation
 */

/**
 * The time source of a loop (seconds, monotonic). A loop that honours a
 * clock reads time only from `time()` and, when it would wait `s` seconds
 * for its next timer with nothing ready, calls `skip(s)` first: when that
 * returns `true` it does not wait.
 */
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
