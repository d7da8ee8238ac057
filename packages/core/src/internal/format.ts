/**
 * asyncio-style reprs: values, callbacks and creation sites.
 */
import { inspect } from 'node:util';
import { unformattable } from '@loop/interfaces';

/**
 * A short, Python-like repr of a value (`'text'`, `42`, `Error('boom')`).
 * Never throws: a value that cannot be formatted (a `toString` that throws,
 * a revoked `Proxy`) reads `<Evil instance>`, as CPython 3.11's `reprlib`
 * writes `<Evil instance at 0x…>` for a `__repr__` that raises. The one home
 * of defensive formatting: messages that name a value use it, and only when
 * the message is needed (an exception may not escape the loop, D6; the
 * placeholder is D52).
 */
export function reprValue(value: unknown): string {
  try {
    return reprUnguarded(value);
  } catch {
    return unformattable(value);
  }
}

function reprUnguarded(value: unknown): string {
  if (value instanceof Error) return `${value.name}(${value.message ? `'${value.message}'` : ''})`;
  if (typeof value === 'function') return value.name ? `<function ${value.name}>` : '<function>';
  if (value !== null && typeof value === 'object') {
    const toString = (value as { toString?: unknown }).toString;
    if (typeof toString === 'function' && toString !== Object.prototype.toString) {
      const s = String(toString.call(value));
      if (s.startsWith('<')) return s;
    }
  }
  return inspect(value, { depth: 1, breakLength: Infinity, maxArrayLength: 10, maxStringLength: 80 });
}

/** The name of a callback as asyncio prints it: `name` or `Class.method`. */
export function callbackName(cb: unknown): string {
  if (typeof cb !== 'function') return reprValue(cb);
  try {
    const name: unknown = cb.name;
    return typeof name === 'string' && name !== '' ? name.replace(/^bound /, '') : 'anonymous';
  } catch {
    return unformattable(cb);
  }
}

/** `name(arg1, arg2)`, as asyncio's `_format_callback`. */
export function formatCallback(cb: unknown, args: readonly unknown[] | null): string {
  const a = args === null ? '' : args.map(reprValue).join(', ');
  return `${callbackName(cb)}(${a})`;
}

/**
 * Where something was created: the first stack frame outside @loop/core, as
 * `file:line`, or the whole stack when `full` is set. Only called in debug mode.
 */
export function creationSite(): string {
  const stack = new Error().stack ?? '';
  const lines = stack.split('\n').slice(1).map((l) => l.trim());
  const own = /[\\/](packages[\\/]core[\\/](src|dist)|@loop[\\/]core)[\\/]/;
  const frames = lines.filter((l) => !own.test(l) && !l.includes('node:internal'));
  return frames.join('\n');
}

/** The first line of a creation site, for `created at file:line`. */
export function siteLocation(site: string): string {
  const first = site.split('\n')[0] ?? '';
  const m = /\(?([^()\s]+:\d+):\d+\)?$/.exec(first);
  return m ? m[1] : first.replace(/^at /, '');
}
