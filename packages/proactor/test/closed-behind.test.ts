// A transport's Node socket closed behind its back, without an error:
// `close()` on the ProactorSocket given as the `socket` extra, or `destroy()`
// on its Node socket. asyncio's transport would find out at its next recv or
// send (an OSError, EBADF) and fail with it (`_fatal_error`); this one fails at
// once: connectionLost(EBADF) exactly once, so a server's waitClosed() returns.
// Only logged in debug mode for a socket (an OS error); a read pipe reports it
// to the exception handler, as every read error but EIO (asyncio's
// `_UnixReadPipeTransport._fatal_error`).
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import type * as net from 'node:net';
import { constants as osConstants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setLogger } from '@loop/core';
import { Protocol, compose, type BaseTransport, type ExceptionContext, type Future, type Transport } from '@loop/interfaces';
import { net as netMethods } from '@loop/net';
import { ProactorEventLoop } from '../src/index.js';
import type { ProactorSocket } from '../src/proactor-socket.js';
import { openSockets } from './helpers.js';

const NetLoop = compose(ProactorEventLoop, netMethods);
type Loop = InstanceType<typeof NetLoop>;

type Coded = Error & { code?: string; errno?: number; syscall?: string };

class Recorder extends Protocol {
  transport: Transport | null = null;
  readonly events: string[] = [];
  readonly lost: Future<Error | null>;
  constructor(
    loop: Loop,
    readonly keepOpenAtEof = false,
  ) {
    super();
    this.lost = loop.createFuture();
  }
  override connectionMade(t: BaseTransport): void {
    this.transport = t as Transport;
    this.events.push('made');
  }
  override dataReceived(data: Buffer): void {
    this.events.push(`data:${data.toString()}`);
  }
  override eofReceived(): boolean {
    this.events.push('eof');
    return this.keepOpenAtEof;
  }
  override connectionLost(exc: Error | null): void {
    this.events.push(`lost:${exc === null ? 'null' : ((exc as Coded).code ?? exc.name)}`);
    this.lost.setResult(exc);
  }
}

/** Half-closes back at EOF and keeps the transport open (both directions then ended). */
class HalfCloser extends Recorder {
  override eofReceived(): boolean {
    super.eofReceived();
    this.transport?.writeEof();
    return true;
  }
}

async function sleep(loop: Loop, seconds: number): Promise<void> {
  const fut = loop.createFuture<void>();
  loop.callLater(seconds, () => fut.setResult(undefined));
  await fut;
}

type Record = { level: string; text: string; args: unknown[] };

/** A loop with the given debug mode, its exception-handler calls and log records; closed and checked by `finish`. */
function setUp(debug: boolean): { loop: Loop; exceptions: ExceptionContext[]; logs: Record[] } {
  const loop = new NetLoop();
  loop.setDebug(debug);
  const exceptions: ExceptionContext[] = [];
  loop.setExceptionHandler((_l, ctx) => exceptions.push(ctx));
  const logs: Record[] = [];
  const log = (level: string) => (...args: unknown[]) => logs.push({ level, args, text: args.filter((a) => typeof a === 'string').join(' ') });
  setLogger({ error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug') });
  return { loop, exceptions, logs };
}

afterEach(() => setLogger(null));

function expectLostBehind(exc: Error | null, transport: BaseTransport): void {
  const err = exc as Coded;
  expect(err).toBeInstanceOf(Error);
  expect(err.code).toBe('EBADF');
  expect(err.errno).toBe(-osConstants.errno.EBADF);
  // It names the transport and what happened.
  const repr = (transport as { toString(): string }).toString();
  expect(err.message).toContain(repr.replace(/ closed fd=-?\d+>$/, ''));
  expect(err.message).toContain('closed behind the transport');
  expect(transport.isClosing()).toBe(true);
}

describe.each([false, true])('a Node socket closed behind its transport (debug %s)', (debug) => {
  it('an accepted connection: close() on its `socket` extra -> connectionLost(EBADF) once, and the server\'s waitClosed() returns', async () => {
    const before = openSockets();
    const { loop, exceptions, logs } = setUp(debug);
    const protos: Recorder[] = [];
    let lost: Error | null = null;
    await loop.runUntilComplete(
      (async () => {
        const server = await loop.createServer(() => {
          const p = new Recorder(loop);
          protos.push(p);
          return p;
        }, '127.0.0.1', 0);
        const port = (server.sockets[0]?.getsockname() as [string, number])[1];
        const [client, cproto] = await loop.createConnection(() => new Recorder(loop), '127.0.0.1', port);
        for (let i = 0; i < 200 && protos.length === 0; i++) await sleep(loop, 0.005);
        const proto = protos[0];
        const transport = proto.transport;
        if (transport === null) throw new Error('no transport');
        (transport.getExtraInfo('socket') as ProactorSocket).close();
        lost = await proto.lost;
        expectLostBehind(lost, transport);
        await sleep(loop, 0.02);
        expect(proto.events).toEqual(['made', 'lost:EBADF']);
        server.close();
        // Not held up forever by the connection whose socket went away.
        await server.waitClosed();
        // The client sees the server side gone: EOF, a clean close.
        expect(await cproto.lost).toBeNull();
        expect(client.isClosing()).toBe(true);
      })(),
    );
    loop.close();
    expect(exceptions).toEqual([]);
    const records = logs.filter((r) => r.args.includes(lost));
    // An OS error on a socket: logged in debug mode only, at debug level, as asyncio's _fatal_error.
    expect(records.map((r) => `${r.level} ${r.text.replace(/^<[^>]*>/, '<transport>')}`)).toEqual(debug ? ['debug <transport>: Fatal read error on socket transport'] : []);
    expect(logs.filter((r) => r.level === 'error' || r.level === 'warn')).toEqual([]);
    // At most as many as before: a socket of an earlier test file in this worker may close meanwhile.
    expect(openSockets()).toBeLessThanOrEqual(before);
  });

  it('a client connection: destroy() on its Node socket -> connectionLost(EBADF) once; later writes are dropped', async () => {
    const before = openSockets();
    const { loop, exceptions, logs } = setUp(debug);
    await loop.runUntilComplete(
      (async () => {
        const server = await loop.createServer(() => new Recorder(loop), '127.0.0.1', 0);
        const port = (server.sockets[0]?.getsockname() as [string, number])[1];
        const [transport, proto] = await loop.createConnection(() => new Recorder(loop), '127.0.0.1', port);
        ((transport.getExtraInfo('socket') as ProactorSocket)._stream as net.Socket).destroy();
        expectLostBehind(await proto.lost, transport);
        transport.write(Buffer.from('late'));
        transport.close();
        transport.abort();
        await sleep(loop, 0.02);
        expect(proto.events).toEqual(['made', 'lost:EBADF']);
        server.close();
        await server.waitClosed();
      })(),
    );
    loop.close();
    expect(exceptions).toEqual([]);
    expect(logs.filter((r) => r.level === 'error' || r.level === 'warn')).toEqual([]);
    // At most as many as before: a socket of an earlier test file in this worker may close meanwhile.
    expect(openSockets()).toBeLessThanOrEqual(before);
  });

  it('after EOF both ways (EOF received, writeEof flushed) Node closes the socket on its own: nothing is lost until close(), then connectionLost(null)', async () => {
    const before = openSockets();
    const { loop, exceptions } = setUp(debug);
    await loop.runUntilComplete(
      (async () => {
        const serverProtos: HalfCloser[] = [];
        const server = await loop.createServer(() => {
          const p = new HalfCloser(loop);
          serverProtos.push(p);
          return p;
        }, '127.0.0.1', 0);
        const port = (server.sockets[0]?.getsockname() as [string, number])[1];
        const [transport, proto] = await loop.createConnection(() => new Recorder(loop, true), '127.0.0.1', port);
        transport.writeEof();
        for (let i = 0; i < 400 && !proto.events.includes('eof'); i++) await sleep(loop, 0.005);
        expect(proto.events).toEqual(['made', 'eof']);
        // Node has closed both sockets by now (both directions ended): a clean end, not a loss.
        const node = (transport.getExtraInfo('socket') as ProactorSocket)._stream as net.Socket;
        for (let i = 0; i < 400 && !node.closed; i++) await sleep(loop, 0.005);
        expect(node.closed).toBe(true);
        await sleep(loop, 0.02);
        expect(proto.lost.done()).toBe(false);
        expect(transport.isClosing()).toBe(false);
        transport.close();
        expect(await proto.lost).toBeNull();
        server.close();
        for (const p of serverProtos) p.transport?.close();
        await server.waitClosed();
        expect(serverProtos.map((p) => p.events)).toEqual([['made', 'eof', 'lost:null']]);
      })(),
    );
    loop.close();
    expect(exceptions).toEqual([]);
    // At most as many as before: a socket of an earlier test file in this worker may close meanwhile.
    expect(openSockets()).toBeLessThanOrEqual(before);
  });

  it('a read pipe: destroy() on its Node socket -> the exception handler (\'Fatal read error on pipe transport\') and connectionLost(EBADF)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'behind-'));
    const { loop, exceptions } = setUp(debug);
    try {
      await loop.runUntilComplete(
        (async () => {
          const [r, w] = openFifo(dir);
          const proto = new Recorder(loop);
          const [transport] = await loop.connectReadPipe(() => proto, r);
          await sleep(loop, 0.01);
          // A pipe transport does not expose its socket: reach the Node socket as code holding it would.
          nodeSocketOn(r).destroy();
          const exc = await proto.lost;
          expectLostBehind(exc, transport);
          expect(proto.events).toEqual(['made', 'lost:EBADF']);
          expect(exceptions.length).toBe(1);
          expect(exceptions[0]?.message).toBe('Fatal read error on pipe transport');
          expect(exceptions[0]?.exception).toBe(exc);
          expect(exceptions[0]?.transport).toBe(transport);
          expect(exceptions[0]?.protocol).toBe(proto);
          closeSync(w);
        })(),
      );
    } finally {
      loop.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a write pipe: destroy() on its Node socket -> connectionLost(EBADF, syscall write), logged in debug mode only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'behind-'));
    const { loop, exceptions, logs } = setUp(debug);
    let lost: Error | null = null;
    try {
      await loop.runUntilComplete(
        (async () => {
          const [r, w] = openFifo(dir);
          const proto = new Recorder(loop);
          const [transport] = await loop.connectWritePipe(() => proto, w);
          await sleep(loop, 0.01);
          nodeSocketOn(w).destroy();
          lost = await proto.lost;
          expectLostBehind(lost, transport);
          expect((lost as Coded).syscall).toBe('write');
          expect(proto.events).toEqual(['made', 'lost:EBADF']);
          closeSync(r);
        })(),
      );
    } finally {
      loop.close();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(exceptions).toEqual([]);
    const records = logs.filter((r) => r.args.includes(lost));
    expect(records.map((r) => `${r.level} ${r.text.replace(/^<[^>]*>/, '<transport>')}`)).toEqual(debug ? ['debug <transport>: Fatal write error on pipe transport'] : []);
  });
});

/** A named pipe made in `dir`, opened: its read end (non-blocking) and its write end. */
function openFifo(dir: string): [number, number] {
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const r = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  return [r, openSync(fifo, constants.O_WRONLY)];
}

/** The Node socket Node holds open over the descriptor `fd` (among its active handles). */
function nodeSocketOn(fd: number): net.Socket {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  const found = handles.find((h) => (h as { _handle?: { fd?: unknown } | null })._handle?.fd === fd);
  if (found === undefined) throw new Error(`no Node socket on fd ${fd}`);
  return found as net.Socket;
}
