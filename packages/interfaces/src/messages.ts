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
 * `toString` that throws, or a revoked `Proxy`, gives {@link unformattable}'s
 * `<Class instance>` (D52).
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
  } catch {
    return unformattable(value);
  }
}

/**
 * The placeholder for a value that cannot be formatted (its `toString`
 * throws, or it is a revoked `Proxy`): `<Class instance>`, or
 * `<object instance>` when not even the class can be read. CPython 3.11's
 * `reprlib` writes `<Class instance at 0x…>` for a `__repr__` that raises;
 * JavaScript has no address to print (D52). Never throws. Every message
 * that names a value falls back on it, so that no exception escapes the loop
 * while an error is being reported (D6).
 */
export function unformattable(value: unknown): string {
  let name = 'object';
  try {
    const ctor: unknown = (value as { constructor?: unknown }).constructor;
    const n: unknown = typeof ctor === 'function' ? ctor.name : undefined;
    if (typeof n === 'string' && n !== '') name = n;
  } catch {
    // a revoked Proxy: no class to name
  }
  return `<${name} instance>`;
}

/**
 * asyncio's `RuntimeError('Event loop is closed')`, code `ERR_LOOP_CLOSED`:
 * what any operation that needs an open loop raises on a closed one (the
 * loop's own methods, a backend's operations).
 */
export function closedError(): RuntimeError {
  return new RuntimeError('Event loop is closed', { code: 'ERR_LOOP_CLOSED' });
}
