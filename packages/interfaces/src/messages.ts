/**
 * The wording that error messages of several packages share: how a message
 * names a value ({@link describeValue}), and asyncio's `Event loop is closed`
 * ({@link closedError}), which the loop and every backend raise.
 *
 * WHY here: the loop (`@loop/core`), the backends and `@loop/net` must word
 * these alike (docs/errors.md lists the messages), and they meet only in
 * `@loop/interfaces`.
 *
 * @packageDocumentation
 */

import { RuntimeError } from './errors.js';

/**
 * A value as an error message names it: its own `toString()` when it has one
 * (a transport's `<ProactorSocketTransport #3 fd=12>`), else `<Class>`;
 * `<function name>`; a string quoted; a primitive as is. Never throws: a
 * `toString` that throws, or a revoked `Proxy`, gives
 * `<object repr failed: ...>` (Python's `reprlib` wording).
 */
export function describeValue(value: unknown): string {
  try {
    if (value === null || value === undefined) return String(value);
    if (typeof value === 'object') {
      const own = (value as { toString?: unknown }).toString;
      if (typeof own === 'function' && own !== Object.prototype.toString) return String((own as () => unknown).call(value));
      const ctor = (value as { constructor?: { name?: unknown } }).constructor;
      return `<${typeof ctor?.name === 'string' && ctor.name !== '' ? ctor.name : 'object'}>`;
    }
    if (typeof value === 'function') return `<function ${value.name}>`;
    if (typeof value === 'string') return JSON.stringify(value);
    return typeof value === 'symbol' ? value.toString() : `${value as number | boolean | bigint}`;
  } catch (err) {
    let why: string;
    try {
      why = err instanceof Error ? `${err.name}: ${err.message}` : typeof err;
    } catch {
      why = 'unknown';
    }
    return `<object repr failed: ${why}>`;
  }
}

/**
 * asyncio's `RuntimeError('Event loop is closed')`, code `ERR_LOOP_CLOSED`:
 * what any operation that needs an open loop raises on a closed one (the
 * loop's own methods, a backend's operations).
 */
export function closedError(): RuntimeError {
  return new RuntimeError('Event loop is closed', { code: 'ERR_LOOP_CLOSED' });
}
