/**
 * Signal numbers and names: asyncio takes a signal number
 * (`signal.SIGUSR1`), Node's `process.on()` a name (`'SIGUSR1'`). This
 * module turns either into the pair, from `os.constants.signals`.
 *
 * WHY one canonical name per number: Node keys its listeners by event name,
 * and some numbers have two names (`SIGIOT` is `SIGABRT`, `SIGPOLL` is
 * `SIGIO`); a loop keys its handlers by number, as asyncio does, and always
 * listens under the first name `os.constants.signals` gives.
 *
 * @packageDocumentation
 */
import { constants } from 'node:os';
import { describeValue, loopError } from '@loop/interfaces';

/** A signal as `addSignalHandler` resolved it: its number and the name Node listens under. */
export interface ResolvedSignal {
  /** The signal number (`os.constants.signals[name]`). */
  readonly signum: number;
  /** The canonical name, e.g. `'SIGUSR1'`. */
  readonly name: NodeJS.Signals;
}

const BY_NUMBER = new Map<number, NodeJS.Signals>();
for (const [name, signum] of Object.entries(constants.signals) as [NodeJS.Signals, number][]) {
  if (!BY_NUMBER.has(signum)) BY_NUMBER.set(signum, name);
}

/**
 * Resolves `sig` (a number or a name) for `method`.
 *
 * @throws TypeError (`ERR_LOOP_INVALID_ARG`) when `sig` is neither an integer nor a string.
 * @throws RangeError (`ERR_LOOP_OUT_OF_RANGE`) for a number or a name that is not a signal of this platform.
 */
export function resolveSignal(method: string, sig: unknown): ResolvedSignal {
  if (typeof sig === 'number') {
    if (!Number.isInteger(sig)) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${method}(): sig must be an int or a signal name, not ${describeValue(sig)}`);
    }
    const name = BY_NUMBER.get(sig);
    if (name === undefined) throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `${method}(): invalid signal number ${sig}`);
    return { signum: sig, name };
  }
  if (typeof sig === 'string') {
    const signum = Object.prototype.hasOwnProperty.call(constants.signals, sig)
      ? (constants.signals as Record<string, number>)[sig]
      : undefined;
    if (signum === undefined) throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `${method}(): invalid signal name ${JSON.stringify(sig)}`);
    return { signum, name: BY_NUMBER.get(signum)! };
  }
  throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${method}(): sig must be an int or a signal name, not ${describeValue(sig)}`);
}
