/**
 * The rule for the trailing options object that stands for asyncio's keyword
 * arguments (docs/asyncio-mapping.md, "Options objects"), in one place so
 * that every package reads it alike: `undefined` and `null` are no options,
 * as Python's keyword defaults are `None`; an object is used as is; anything
 * else is a `TypeError` (`ERR_LOOP_INVALID_ARG`).
 *
 * @packageDocumentation
 */

import { loopError } from './errors.js';
import { describeValue } from './messages.js';

/**
 * Reads the options argument of `api`: `{}` for `undefined` or `null`, the
 * object itself otherwise. Anything that is not an object (`5`, `'x'`,
 * `true`) throws a `TypeError` with code `ERR_LOOP_INVALID_ARG` naming `api`:
 * `getaddrinfo(): options must be an object, null or undefined, not 5`.
 * A method that returns a promise calls it inside its promise, so the error
 * rejects it.
 */
export function optionsArg<T extends object>(api: string, options: T | null | undefined): Partial<T> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object') {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}(): options must be an object, null or undefined, not ${describeValue(options)}`);
  }
  return options;
}
