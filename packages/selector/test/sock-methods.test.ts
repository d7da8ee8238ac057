// What the readiness conformance suites cannot reach through a composed loop:
// the sock* operations on a bare SelectorEventLoop (no @loop/net, so no
// getaddrinfo: D57), their capability probe, and asyncio's
// _ensure_fd_no_transport rule, with a stand-in transport registered through
// the backend's _claimFd (the selector's transports are not built yet).
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { getBackend, hasCapability, NotImplementedError, RuntimeError, type BaseTransport } from '@loop/interfaces';
import { AF_INET, SOCK_STREAM, socket, socketpair, type Socket } from '@loop/socket';
import { SelectorEventLoop, type SelectorBackend } from '../src/index';

const openFds = (): number => readdirSync('/proc/self/fd').length;

let fdsBefore = 0;
let loop: SelectorEventLoop;
const sockets: Socket[] = [];

beforeEach(() => {
  fdsBefore = openFds();
  loop = new SelectorEventLoop();
});

afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
  loop.close();
  expect(openFds()).toBe(fdsBefore);
});

function pair(): [Socket, Socket] {
  const p = socketpair();
  sockets.push(...p);
  return p;
}

describe('SelectorEventLoop sock* operations', () => {
  it('hasCapability reports the sock* operations and sockRecvfromInto present', () => {
    for (const m of ['sockRecv', 'sockRecvInto', 'sockRecvfrom', 'sockRecvfromInto', 'sockSendall', 'sockSendto', 'sockConnect', 'sockAccept', 'sockSendfile'] as const) {
      expect(hasCapability(loop, m)).toBe(true);
    }
  });

  it('sockConnect without @loop/net: an IP literal connects, a host name rejects with NotImplementedError naming getaddrinfo (D57)', async () => {
    const l = socket(AF_INET, SOCK_STREAM);
    sockets.push(l);
    l.bind(['127.0.0.1', 0]);
    l.listen();
    const port = (l.getsockname() as [string, number])[1];
    const a = socket(AF_INET, SOCK_STREAM);
    const b = socket(AF_INET, SOCK_STREAM);
    sockets.push(a, b);
    await loop.runUntilComplete(async () => {
      await loop.sockConnect(a, ['127.0.0.1', port]);
      const err = await loop.sockConnect(b, ['localhost', port]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotImplementedError);
      expect((err as Error).message).toMatch(/getaddrinfo.*@loop\/net/);
    });
    expect(a.getpeername()).toEqual(['127.0.0.1', port]);
  });

  it("a socket whose fd a live transport owns: the operation that must wait rejects with RuntimeError ERR_LOOP_FD_IN_USE (asyncio's _ensure_fd_no_transport)", async () => {
    const [a, b] = pair();
    const backend = getBackend(loop) as SelectorBackend;
    let closing = false;
    const transport = { isClosing: () => closing, toString: () => '<StandInTransport>' } as unknown as BaseTransport;
    backend._claimFd(b.fileno(), transport);
    await loop.runUntilComplete(async () => {
      // Data already there: done without waiting, so without the check (as asyncio).
      a.send(Buffer.from('x'));
      expect((await loop.sockRecv(b, 10)).toString()).toBe('x');
      await expect(loop.sockRecv(b, 10)).rejects.toMatchObject({ name: 'RuntimeError', code: 'ERR_LOOP_FD_IN_USE' });
      await expect(loop.sockRecv(b, 10)).rejects.toThrow(RuntimeError);
      // A closing transport no longer owns it.
      closing = true;
      const pending = loop.sockRecv(b, 10);
      a.send(Buffer.from('y'));
      expect((await pending).toString()).toBe('y');
    });
    backend._releaseFd(b.fileno(), transport);
  });
});
