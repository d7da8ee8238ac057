/**
 * The special values of the `stdin` / `stdout` / `stderr` options, with
 * asyncio's (`subprocess`'s) numbers.
 *
 * @packageDocumentation
 */

/** A new pipe to the child (`subprocess.PIPE`, -1): the default of each stream. */
export const PIPE = -1;
/** For `stderr` only: into the same pipe or file as stdout (`subprocess.STDOUT`, -2). */
export const STDOUT = -2;
/** The null device, `/dev/null` (`subprocess.DEVNULL`, -3). */
export const DEVNULL = -3;
