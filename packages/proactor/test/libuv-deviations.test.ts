// Two behaviours of the proactor that Node's libuv forces, listed in
// docs/deviations.md (D53, D54). Each test pins what the proactor does, so
// that a Node change which lifts the constraint fails here and the deviation
// can go. What asyncio 3.11 does instead was checked with the Python twins in
// test/python/ (the expected asyncio traces are in the comments below).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import * as net from 'node:net';
import { Protocol, getBackend, type BaseTransport, type IoBackend, type ServerHooks, type Transport } from '@loop/interfaces';
import { AF_INET, ProactorEventLoop } from '../src/index.js';

class Hooks implements ServerHooks {
  attach(_t: BaseTransport): void {}
  detach(_t: BaseTransport): void {}
}

/** Records the protocol calls of each connection. */
class Recorder extends Protocol {
  constructor(readonly events: string[]) {
    super();
  }
  override connectionMade(_t: Transport): void {
    this.events.push('made');
  }
  override dataReceived(data: Buffer): void {
    this.events.push(`data:${data.length}`);
  }
  override eofReceived(): void {
    this.events.push('eof');
  }
  override connectionLost(exc: Error | null): void {
    this.events.push(`lost:${exc === null ? 'null' : String((exc as { code?: unknown }).code)}`);
  }
}

/** Runs `main` on a fresh proactor loop whose exception handler records its messages in `handled`. */
async function onLoop<T>(handled: string[], main: (loop: ProactorEventLoop, backend: IoBackend) => Promise<T>): Promise<T> {
  const loop = new ProactorEventLoop();
  loop.setExceptionHandler((_l, ctx) => {
    handled.push(ctx.message);
  });
  try {
    return await loop.runUntilComplete(() => main(loop, getBackend(loop) as IoBackend));
  } finally {
    loop.close();
  }
}

/** Resolves after `ms` milliseconds of Node time (the loop keeps running meanwhile). */
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('ProactorEventLoop: behaviours libuv forces', () => {
  // asyncio 3.11 (packages/conformance/oracle/peer_reset.py): ['made', 'data:5', 'lost:ConnectionResetError'].
  it('D54 - a peer that resets after sending: eofReceived() then connectionLost(null), no ConnectionResetError', async () => {
    const events: string[] = [];
    const handled: string[] = [];
    await onLoop(handled, async (loop, backend) => {
      const listener = await backend.listenStream(['127.0.0.1', 0], { family: AF_INET, backlog: 10 });
      backend.startServing(() => new Recorder(events), listener, new Hooks());
      const [host, port] = listener.getsockname() as [string, number];
      const client = net.connect({ host, port });
      client.on('error', () => {});
      // Write, then close with SO_LINGER 0: the kernel sends RST right after the data.
      client.on('connect', () => client.write('hello', () => client.resetAndDestroy()));
      for (let i = 0; i < 100 && !events.some((e) => e.startsWith('lost')); i++) await pause(20);
      backend.stopServing(listener);
      void loop;
    });
    expect(events).toEqual(['made', 'data:5', 'eof', 'lost:null']);
    expect(handled).toEqual([]);
  });

  // asyncio 3.11 (packages/conformance/oracle/accept_emfile.py): the exception handler gets
  // 'socket.accept() out of system resource' (errno EMFILE), accepting pauses
  // for a second, and the clients it could not accept stay connected in the
  // listen backlog: none sees EOF.
  it('D53 - under EMFILE the connections the process cannot take are closed by libuv: clients see EOF at once, the handler hears nothing', async () => {
    const handled: string[] = [];
    const events: string[] = [];
    const clients = 12;
    const spare = 2;
    const report = await onLoop(handled, async (_loop, backend) => {
      const listener = await backend.listenStream(['127.0.0.1', 0], { family: AF_INET, backlog: 64 });
      backend.startServing(() => new Recorder(events), listener, new Hooks());
      const [, port] = listener.getsockname() as [string, number];
      // The clients live in a child process: this one will have no descriptor to spare.
      const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['-e', CLIENT], { stdio: 'pipe' });
      // 'close': the child exited and its stdio sockets are closed (waited for, so
      // that they do not close during a later test file's descriptor count).
      const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
      const lines = lineReader(child);
      expect(await lines.next()).toBe('ready');
      const hog: number[] = [];
      try {
        // Exhaust this process's descriptors, then give `spare` back: the listener can accept that many.
        try {
          for (;;) hog.push(openSync('/dev/null', 'r'));
        } catch (err) {
          expect((err as { code?: unknown }).code).toBe('EMFILE');
        }
        for (let i = 0; i < spare; i++) closeSync(hog.pop() as number);
        child.stdin.write(`${port} ${clients} ${spare}\n`);
        const result = JSON.parse(await lines.next()) as { connected: number; eof: number; open: number };
        return result;
      } finally {
        for (const fd of hog) closeSync(fd);
        child.kill();
        backend.stopServing(listener);
        await closed;
      }
    });
    expect(report.connected).toBe(clients);
    // At most `spare` were accepted (and are still open); every other client was closed by libuv.
    const made = events.filter((e) => e === 'made').length;
    expect(made).toBeLessThanOrEqual(spare);
    expect(report.eof).toBeGreaterThanOrEqual(clients - spare);
    expect(report.open).toBeLessThanOrEqual(spare);
    expect(handled).toEqual([]);
  });
});

/**
 * The client process: says `ready`, reads `<port> <n> <spare>`, opens n
 * connections, and reports how they ended once all n connected and all but
 * `spare` saw EOF, or after 5 s (a loaded machine can take more than a fixed
 * second; a report at the deadline fails the test's checks).
 */
const CLIENT = `
const net = require('node:net');
process.stdout.write('ready\\n');
process.stdin.once('data', (line) => {
  const [port, n, spare] = String(line).trim().split(' ').map(Number);
  const r = { connected: 0, eof: 0, open: 0 };
  const socks = [];
  for (let i = 0; i < n; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => r.connected++);
    s.on('end', () => r.eof++);
    s.on('error', () => {});
    socks.push(s);
  }
  const deadline = Date.now() + 5000;
  const check = () => {
    if ((r.connected < n || r.eof < n - spare) && Date.now() < deadline) return void setTimeout(check, 20);
    r.open = socks.filter((s) => !s.destroyed && !s.readableEnded).length;
    process.stdout.write(JSON.stringify(r) + '\\n');
    for (const s of socks) s.destroy();
  };
  setTimeout(check, 20);
});
`;

/** Reads `child`'s stdout line by line. */
function lineReader(child: ChildProcessWithoutNullStreams): { next(): Promise<string> } {
  let buf = '';
  const lines: string[] = [];
  let wake: (() => void) | null = null;
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
    wake?.();
  });
  return {
    async next(): Promise<string> {
      while (lines.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      return lines.shift() as string;
    },
  };
}
