// Shared by the test files: real descriptors, counted. `useFdCheck()`
// installs the hooks that close the tracked sockets after each test and
// check that the process has as many open descriptors as before it.
import { readdirSync } from 'node:fs';
import type { Socket } from '../src/index';

export const openFds = (): number => readdirSync('/proc/self/fd').length;

/** What `fn` throws; fails the test when it returns. */
export function thrown(fn: () => unknown): any {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

/** Waits (one macrotask at a time, at most 2 s) until `check` returns a value other than undefined. */
export async function until<T>(check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 2000;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('until(): timed out');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** `fn()`, or undefined while it throws EAGAIN (for `until`). */
export function unlessEagain<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if ((err as { code?: string }).code === 'EAGAIN') return undefined;
    throw err;
  }
}

let sockets: Socket[] = [];

/** Registers sockets for the teardown's close. */
export function track<T extends Socket | Socket[]>(s: T): T {
  sockets.push(...(Array.isArray(s) ? s : [s]));
  return s;
}

/** Closes tracked sockets after each test and checks the descriptor count came back. */
export function useFdCheck(): void {
  let before = 0;
  beforeEach(() => {
    before = openFds();
  });
  afterEach(() => {
    for (const s of sockets) s.close();
    sockets = [];
    expect(openFds()).toBe(before);
  });
}
