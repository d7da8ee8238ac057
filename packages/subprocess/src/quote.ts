/**
 * `quote()`: Python's `shlex.quote`, for building a `subprocessShell`
 * command line from untrusted words.
 *
 * @packageDocumentation
 */
import { loopError } from '@loop/interfaces';

// shlex.quote's safe set: ASCII letters, digits and @%+=:,./-_ (no Unicode
// letters: Python's regex is `[^\w@%+=:,./-]` with re.ASCII).
const UNSAFE = /[^A-Za-z0-9_@%+=:,./-]/;

/**
 * Quotes `s` for a POSIX shell (`/bin/sh`), as Python's `shlex.quote`: `''`
 * for the empty string, `s` itself when it holds only safe characters
 * (letters, digits, `@%+=:,./-_`), otherwise `s` in single quotes with each
 * `'` written as `'"'"'`.
 *
 * ```ts
 * quote("it's here") // => `'it'"'"'s here'`
 * ```
 *
 * @throws TypeError (`ERR_LOOP_INVALID_ARG`) when `s` is not a string.
 */
export function quote(s: string): string {
  if (typeof s !== 'string') {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `quote(): s must be a string, not ${s === null ? 'null' : typeof s}`);
  }
  if (s === '') return "''";
  if (!UNSAFE.test(s)) return s;
  return `'${s.replaceAll("'", `'"'"'`)}'`;
}
