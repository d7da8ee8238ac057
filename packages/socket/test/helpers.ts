// Shared by the test files: real descriptors, counted. `useFdCheck()`
// installs the hooks that close the tracked sockets after each test and
// check that the process has as many open descriptors as before it.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SOCK_STREAM, SOL_SOCKET, SO_ERROR, SO_REUSEADDR, EINPROGRESS, socket, type Address, type Socket } from '../src/index';

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

/** Waits for the first error `fn` throws other than EAGAIN (a reset, a refused datagram…). */
export function nextError(fn: () => unknown): Promise<any> {
  return until(() => {
    try {
      fn();
      return undefined;
    } catch (err) {
      return (err as { code?: string }).code === 'EAGAIN' ? undefined : err;
    }
  });
}

/** A fresh temporary directory for each test (removed after it); the getter gives the current one. */
export function useTmpDir(prefix: string): () => string {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return () => dir;
}

/** A connected TCP pair on `host`: the listener, the client (its connect complete) and the accepted socket, all tracked. */
export async function tcpPair(family: number, host: string): Promise<{ server: Socket; client: Socket; conn: Socket; addr: Address }> {
  const server = track(socket(family, SOCK_STREAM));
  server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  server.bind([host, 0]);
  server.listen();
  const port = (server.getsockname() as [string, number])[1];
  const client = track(socket(family, SOCK_STREAM));
  const first = client.connectEx([host, port]);
  expect([0, EINPROGRESS]).toContain(first);
  await until(() => (client.getsockopt(SOL_SOCKET, SO_ERROR) === 0 && client.connectEx([host, port]) === osConstants.errno.EISCONN ? true : undefined));
  const [conn, addr] = await until(() => unlessEagain(() => server.accept()));
  track(conn);
  return { server, client, conn, addr };
}
