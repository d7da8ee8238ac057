// A read pipe's read error EIO is only logged in debug mode, never reported to
// the exception handler (asyncio's `_UnixReadPipeTransport._fatal_error`):
// EIO is what a pseudo-terminal master reads once its slave side is closed.
// Every other read error goes to the handler (the conformance suite's PIPE-02).
//
// The slave is opened by a python3 child (Node cannot unlock a pty: no
// ioctl), which is given the master as its descriptor 3, opens the slave,
// optionally writes a line on it, and exits. CPython's own twin of the first
// scenario (nothing written) gives, debug on or off: connection_lost(OSError(5,
// 'Input/output error')), no eof_received, no exception handler call; in debug
// mode a debug record '<transport>: Fatal read error on pipe transport'.
//
// After data, libuv reads the hang-up as EOF (D96): with `EPOLLHUP` after a
// partial read, `uv__stream_io` reports EOF without calling read(2) again, so
// the EIO is never seen; asyncio gets data_received, then
// connection_lost(EIO). The second test pins that.
import { execFileSync } from 'node:child_process';
import { constants, fstatSync, openSync } from 'node:fs';
import { setLogger } from '@loop/core';
import { Protocol, type ExceptionContext, type Future } from '@loop/interfaces';
import { ProactorEventLoop } from '../src/index.js';

/** Unlocks the pty master given as descriptor 3 (TIOCSPTLCK), opens its slave (TIOCGPTN), writes `argv[1]` when given, exits. */
const CHILD = [
  'import sys',
  'import fcntl, os, struct',
  "fcntl.ioctl(3, 0x40045431, struct.pack('i', 0))",
  "n = struct.unpack('i', fcntl.ioctl(3, 0x80045430, struct.pack('i', 0)))[0]",
  "s = os.open('/dev/pts/%d' % n, os.O_RDWR | os.O_NOCTTY)",
  'if len(sys.argv) > 1: os.write(s, sys.argv[1].encode())',
  'os.close(s)',
].join('\n');

class Reader extends Protocol {
  readonly events: string[] = [];
  constructor(readonly lost: Future<Error | null>) {
    super();
  }
  override connectionMade(): void {
    this.events.push('connectionMade');
  }
  override dataReceived(data: Buffer): void {
    this.events.push(`data:${JSON.stringify(data.toString())}`);
  }
  override eofReceived(): boolean {
    this.events.push('eofReceived');
    return false;
  }
  override connectionLost(exc: Error | null): void {
    this.events.push(`connectionLost:${exc === null ? 'null' : String((exc as { code?: unknown }).code)}`);
    this.lost.setResult(exc);
  }
}

afterEach(() => setLogger(null));

/** Runs a read pipe over a pty master whose slave a child opens, writes `line` on (unless null) and closes. */
async function run(debug: boolean, line: string | null): Promise<{ events: string[]; exc: Error | null; exceptions: ExceptionContext[]; logs: Array<{ level: string; text: string; args: unknown[] }>; master: number }> {
    const loop = new ProactorEventLoop();
    loop.setDebug(debug);
    const exceptions: ExceptionContext[] = [];
    loop.setExceptionHandler((_l, ctx) => exceptions.push(ctx));
    const logs: Array<{ level: string; text: string; args: unknown[] }> = [];
    const log = (level: string) => (...args: unknown[]) => logs.push({ level, args, text: args.filter((a) => typeof a === 'string').join(' ') });
    setLogger({ error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug') });
    const master = openSync('/dev/ptmx', constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
    let exc: Error | null = null;
    const proto = new Reader(loop.createFuture());
    try {
      await loop.runUntilComplete(
        (async () => {
          const [transport] = await loop.connectReadPipe(() => proto, master);
          execFileSync('python3', ['-c', CHILD, ...(line === null ? [] : [line])], { stdio: ['ignore', 'inherit', 'inherit', master] });
          exc = await proto.lost;
          expect(transport.isClosing()).toBe(true);
        })(),
      );
    } finally {
      loop.close();
    }
    return { events: proto.events, exc, exceptions, logs, master };
}

describe.each([false, true])('a read pipe over a pty master whose slave closed (debug %s)', (debug) => {
  it('EIO: connectionLost(EIO), logged in debug mode only, not reported to the exception handler', async () => {
    const { events, exc, exceptions, logs, master } = await run(debug, null);
    expect(events).toEqual(['connectionMade', 'connectionLost:EIO']);
    expect((exc as unknown as { syscall?: unknown }).syscall).toBe('read');
    expect(exceptions).toEqual([]);
    const records = logs.filter((r) => r.args.includes(exc));
    expect(records.map((r) => `${r.level} ${r.text.replace(/^<[^>]*>/, '<transport>')}`)).toEqual(debug ? ['debug <transport>: Fatal read error on pipe transport'] : []);
    expect(logs.filter((r) => r.level === 'error' || r.level === 'warn')).toEqual([]);
    // The transport closed the master.
    expect(() => fstatSync(master)).toThrow();
  });

  it('after data, libuv reads the hang-up as EOF (D96): dataReceived, eofReceived, connectionLost(null)', async () => {
    const { events, exc, exceptions, master } = await run(debug, 'from the slave\n');
    expect(events).toEqual(['connectionMade', 'data:"from the slave\\r\\n"', 'eofReceived', 'connectionLost:null']);
    expect(exc).toBeNull();
    expect(exceptions).toEqual([]);
    expect(() => fstatSync(master)).toThrow();
  });
});
