/**
 * Shared pieces of the network methods: asyncio's argument errors, Python
 * reprs of addresses (for messages that read like asyncio's), the bind-error
 * rewording, and a one-iteration yield.
 *
 * HOW: every check throws the built-in class asyncio's `ValueError` /
 * `TypeError` map to (`RangeError`, `TypeError`) with a stable `code`
 * (`loopError`), and asyncio's wording with our option names
 * (`server_hostname` is `serverHostname`). The callers are async functions,
 * so a throw becomes a rejection.
 *
 * WHY Python reprs: messages such as `error while attempting to bind on
 * address ('127.0.0.1', 8080): address already in use` are compared with
 * CPython's traces.
 *
 * @packageDocumentation
 */
import { getSystemErrorMap } from 'node:util';
import { describeValue, loopError, type Address, type Future, type SchedulingLoop, type SystemError } from '@loop/interfaces';

/** asyncio's `ValueError`: a `RangeError` with code `ERR_LOOP_OUT_OF_RANGE`. */
export function valueError(message: string): RangeError & { code: string } {
  return loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', message);
}

/** asyncio's `TypeError`: a `TypeError` with code `ERR_LOOP_INVALID_ARG`. */
export function typeError(message: string): TypeError & { code: string } {
  return loopError(TypeError, 'ERR_LOOP_INVALID_ARG', message);
}

/** A Python-style repr of a string: `'abc'`. */
export function pyStr(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\0/g, '\\x00')}'`;
}

/** A Python-style repr of an address: `('127.0.0.1', 8080)`, `('::1', 8080, 0, 0)`, `'/tmp/s'`. */
export function pyAddress(address: Address | null | undefined): string {
  if (address === null || address === undefined) return 'None';
  if (typeof address === 'string') return pyStr(address);
  if (Array.isArray(address)) {
    return `(${address.map((x) => (typeof x === 'string' ? pyStr(x) : String(x))).join(', ')})`;
  }
  return String(address);
}

/** The lower-case text of a system error (Python's `strerror.lower()`): `address already in use`. */
export function strerror(err: SystemError): string {
  if (typeof err.errno === 'number') {
    const entry = getSystemErrorMap().get(err.errno);
    if (entry !== undefined) return entry[1].toLowerCase();
  }
  return err.message.toLowerCase();
}

/**
 * asyncio's bind error: `error while attempting to bind on address
 * ('127.0.0.1', 8080): address already in use`, keeping the system error's
 * `code`, `errno`, `syscall`, `address` and `port`, the original as `cause`.
 */
export function bindError(err: unknown, address: Address): unknown {
  if (typeof err !== 'object' || err === null || typeof (err as Error).message !== 'string') return err;
  const sys = err as SystemError;
  const wrapped = new Error(`error while attempting to bind on address ${pyAddress(address)}: ${strerror(sys)}`, { cause: err }) as SystemError;
  for (const key of ['code', 'errno', 'syscall', 'address', 'port'] as const) {
    if (sys[key] !== undefined) (wrapped as unknown as Record<string, unknown>)[key] = sys[key];
  }
  return wrapped;
}

/** Waits one loop iteration (asyncio's `await tasks.sleep(0)`). */
export async function sleep0(loop: SchedulingLoop): Promise<void> {
  const fut = loop.createFuture<void>();
  loop.callSoon(() => {
    if (!fut.done()) fut.setResult(undefined);
  });
  await fut;
}

/**
 * Whether an `ssl` option asks for TLS: any truthy value (`true`, a context
 * or options object). asyncio tests `if ssl:`, so every falsy value
 * (`undefined`, `null`, `false`, `0`, `NaN`, `''`) means plain TCP.
 */
export function wantsTls(ssl: unknown): boolean {
  return Boolean(ssl);
}

/** The options-argument rule (docs/asyncio-mapping.md, "Options objects"): one home, in `@loop/interfaces`. */
export { optionsArg } from '@loop/interfaces';

/** The first of `names` whose value in `options` is not `undefined`/`null`, for error messages. */
export function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/**
 * A socket's own repr (`toString()`) when it has one, else `<socket fd=7
 * family=2 type=1>`. Never throws (see `describeValue` of `@loop/interfaces`).
 */
export function describeSocket(sock: unknown): string {
  try {
    if (typeof sock !== 'object' || sock === null) return describeValue(sock);
    const own = (sock as { toString?: unknown }).toString;
    if (typeof own === 'function' && own !== Object.prototype.toString) return describeValue(sock);
    const s = sock as { fileno?: () => number; family?: number; type?: number };
    let fd = -1;
    try {
      fd = typeof s.fileno === 'function' ? s.fileno() : -1;
    } catch {
      fd = -1;
    }
    return `<socket fd=${fd} family=${String(s.family)} type=${String(s.type)}>`;
  } catch {
    return describeValue(sock);
  }
}

/**
 * `await fut` for a future of a socket this code will own. If the await
 * fails although the future produced a socket (the awaiting task was
 * cancelled after the socket arrived but before the task resumed), the socket
 * is closed, so that a cancellation never leaks it.
 */
export async function awaitOwned<T extends { close(): void } | null>(fut: Future<T>): Promise<T> {
  try {
    return await fut;
  } catch (err) {
    if (fut.done() && !fut.cancelled() && (fut.exception() ?? null) === null) fut.result()?.close();
    throw err;
  }
}
