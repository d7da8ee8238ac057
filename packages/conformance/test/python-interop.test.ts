/**
 * Python interop: programs written with CPython's asyncio talk to @loop over
 * real sockets, both ways — TCP (127.0.0.1 and ::1), Unix sockets, UDP, TLS
 * (the test CA fixtures), streams and a STARTTLS upgrade — and the bytes
 * each side saw are compared.
 *
 * HOW: the Python side is `python/interop.py` (a client or a server, one
 * mode per run), spawned with `python3` (or `$PYTHON`) as a real process; it
 * prints one JSON object per line (a server first prints its port) and the
 * test reads them. The @loop side is a `ProactorEventLoop` with `@loop/net`
 * composed in, run through the network harness (`defineNetTest`), so a
 * leaked socket, an unexpected exception-handler call or an error log fails
 * the test. Payloads are checked by SHA-256 and length on both ends: what
 * one side sent is what the other received, and the echo is what was sent.
 *
 * WHY: asyncio is the oracle. The conformance suites pin @loop's behaviour
 * call by call; these tests pin the wire: half-close, TLS handshakes and
 * close_notify, datagram addressing, as a real asyncio peer does them.
 */
import { describe, expect } from '@jest/globals';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { BufferedProtocol, DatagramProtocol, Protocol } from '@loop/interfaces';
import type { Address, DatagramTransport, Transport } from '@loop/interfaces';
import { shield, waitFor } from '@loop/core';
import type { Future } from '@loop/core';
import { openConnection, startServer } from '@loop/net';
import { defineNetTest, type NetLoop, type NetTest } from '../src/net/harness.js';
import { newProactorNetLoop } from './proactor-loop.js';

const PYTHON = process.env.PYTHON ?? 'python3';
const SCRIPT = join(__dirname, 'python', 'interop.py');
const FIXTURES = join(__dirname, '..', 'fixtures', 'tls');
const CA = join(FIXTURES, 'ca.pem');
const CERT = join(FIXTURES, 'server.pem');
const KEY = join(FIXTURES, 'server-key.pem');

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `python3 interop.py <args>`, read as JSON lines. */
class Py {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: unknown[] = [];
  #partial = '';
  #stderr = '';
  #wake: (() => void) | null = null;
  #status: number | null = null;
  readonly closed: Promise<number>;

  constructor(args: string[]) {
    this.#child = spawn(PYTHON, [SCRIPT, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child.stdin.end();
    this.#child.stdout.setEncoding('utf8');
    this.#child.stdout.on('data', (chunk: string) => {
      const parts = (this.#partial + chunk).split('\n');
      this.#partial = parts.pop() ?? '';
      for (const p of parts) if (p.trim() !== '') this.#lines.push(JSON.parse(p));
      this.#notify();
    });
    this.#child.stderr.setEncoding('utf8');
    this.#child.stderr.on('data', (chunk: string) => {
      this.#stderr += chunk;
    });
    this.closed = new Promise((resolve) => {
      this.#child.on('close', (code) => {
        this.#status = code ?? 1;
        this.#notify();
        resolve(this.#status);
      });
    });
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  /** The next JSON line; rejects when the process ends first. */
  async next<T>(): Promise<T> {
    for (;;) {
      if (this.#lines.length > 0) return this.#lines.shift() as T;
      if (this.#status !== null) throw new Error(`interop.py exited (${this.#status}) without printing more:\n${this.#stderr}`);
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /** Waits for the process to end (its pipes closed); fails unless it exited 0. */
  async done(): Promise<void> {
    const status = await this.closed;
    if (status !== 0) throw new Error(`interop.py exited with status ${status}:\n${this.#stderr}`);
  }

  /** Kills the process if it still runs and waits for its pipes to close (teardown on failure). */
  async kill(): Promise<void> {
    if (this.#status === null) this.#child.kill('SIGKILL');
    await this.closed;
  }
}

/** Runs `body` with a Python process, killing it if `body` throws. */
async function withPython<T>(args: string[], body: (py: Py) => Promise<T>): Promise<T> {
  const py = new Py(args);
  try {
    const result = await body(py);
    await py.done();
    return result;
  } finally {
    await py.kill();
  }
}

function portOf(loopServer: { sockets: readonly { getsockname(): unknown }[] }): number {
  return (loopServer.sockets[0].getsockname() as [string, number])[1];
}

/** A server protocol that echoes and hashes what it receives; its connectionLost completes `lost`. */
class EchoRecorder extends Protocol {
  transport: Transport | null = null;
  readonly hash = createHash('sha256');
  received = 0;
  peerHost = '';

  constructor(readonly lost: Future<Error | null>) {
    super();
  }

  override connectionMade(transport: Transport): void {
    this.transport = transport;
    this.peerHost = (transport.getExtraInfo('peername') as [string, number])[0];
  }

  override dataReceived(data: Buffer): void {
    this.hash.update(data);
    this.received += data.length;
    this.transport!.write(data);
  }

  override connectionLost(exc: Error | null): void {
    this.lost.setResult(exc);
  }
}

/**
 * The same with BufferedProtocol: reads into one reused buffer and echoes
 * straight from it — `write()` must not keep memory the caller reuses (the
 * transport copies, or delays the next read into it), so the hashes catch an
 * overwritten echo.
 */
class BufferedEchoRecorder extends BufferedProtocol {
  transport: Transport | null = null;
  readonly hash = createHash('sha256');
  readonly buffer = Buffer.alloc(16 * 1024);
  received = 0;

  constructor(readonly lost: Future<Error | null>) {
    super();
  }

  override connectionMade(transport: Transport): void {
    this.transport = transport;
  }

  override getBuffer(): Uint8Array {
    return this.buffer;
  }

  override bufferUpdated(nbytes: number): void {
    const chunk = this.buffer.subarray(0, nbytes);
    this.hash.update(chunk);
    this.received += nbytes;
    this.transport!.write(chunk);
  }

  override connectionLost(exc: Error | null): void {
    this.lost.setResult(exc);
  }
}

/** A client protocol that collects what it receives; `done` completes on connectionLost. */
class Collector extends Protocol {
  readonly chunks: Buffer[] = [];
  transport: Transport | null = null;

  constructor(
    readonly done: Future<Error | null>,
    readonly expect: number | null = null,
  ) {
    super();
  }

  override connectionMade(transport: Transport): void {
    this.transport = transport;
  }

  override dataReceived(data: Buffer): void {
    this.chunks.push(data);
    // Over TLS there is no half-close: the client closes once it has the whole echo.
    if (this.expect !== null && this.bytes() === this.expect) this.transport!.close();
  }

  override connectionLost(exc: Error | null): void {
    this.done.setResult(exc);
  }

  bytes(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }
}

interface ClientReport {
  sent: number;
  received: number;
  sent_sha256: string;
  received_sha256: string;
}

interface ServerReport {
  received: number;
  received_sha256: string;
  peername_host: string;
  tls_version: string | null;
}

async function loopServerPythonClient(
  loop: NetLoop,
  host: string,
  size: number,
  options: { tls?: { server: object }; buffered?: boolean } = {},
): Promise<void> {
  const lost = loop.createFuture<Error | null>();
  let proto = null as EchoRecorder | BufferedEchoRecorder | null;
  const server = await loop.createServer(
    () => (proto = options.buffered === true ? new BufferedEchoRecorder(lost) : new EchoRecorder(lost)),
    host,
    0,
    options.tls ? { ssl: options.tls.server } : {},
  );
  try {
    const args = ['tcp-client', host, String(portOf(server)), String(size)];
    if (options.tls) args.push(CA, 'localhost');
    const report = await withPython(args, (py) => py.next<ClientReport>());
    expect(await lost).toBeNull();
    expect(report.sent).toBe(size);
    expect(report.received).toBe(size);
    expect(report.received_sha256).toBe(report.sent_sha256);
    expect(proto!.received).toBe(size);
    expect(proto!.hash.digest('hex')).toBe(report.sent_sha256);
    if (proto instanceof EchoRecorder) expect(proto.peerHost).toBe(host);
  } finally {
    server.close();
    await server.waitClosed();
  }
}

async function pythonServerLoopClient(loop: NetLoop, host: string, size: number, tls: { client: object } | null = null): Promise<void> {
  const args = tls ? ['tcp-server', host, CERT, KEY] : ['tcp-server', host];
  await withPython(args, async (py) => {
    const { port } = await py.next<{ port: number }>();
    const data = randomBytes(size);
    const done = loop.createFuture<Error | null>();
    const [transport, proto] = await loop.createConnection(
      () => new Collector(done, tls ? size : null),
      host,
      port,
      tls ? { ssl: tls.client, serverHostname: 'localhost' } : {},
    );
    if (tls) expect(transport.getExtraInfo('peercert')).not.toBeNull();
    for (let i = 0; i < size; i += 65536) transport.write(data.subarray(i, i + 65536));
    if (transport.canWriteEof()) transport.writeEof();
    expect(await done).toBeNull();
    const report = await py.next<ServerReport>();
    const echoed = Buffer.concat(proto.chunks);
    expect(report.received).toBe(size);
    expect(report.received_sha256).toBe(sha256(data));
    expect(echoed.length).toBe(size);
    expect(sha256(echoed)).toBe(sha256(data));
    expect(report.peername_host).toBe(host);
    expect(report.tls_version).toBe(tls ? 'TLSv1.3' : null);
  });
}

/** How a streams test secures its connection: not, from the start (`ssl`), or by a STARTTLS upgrade. */
type StreamsTls = 'plain' | 'tls' | 'starttls';

async function streamsServerPythonClient(t: NetTest, host: string, size: number, tls: StreamsTls): Promise<void> {
  const done = t.loop.createFuture<{ received: number; hash: string }>();
  const server = await startServer(
    async (reader, writer) => {
      try {
        if (tls === 'starttls') {
          expect((await reader.readline()).toString()).toBe('STARTTLS\n');
          writer.write(Buffer.from('OK\n'));
          await writer.startTls(t.serverTls());
        }
        const hash = createHash('sha256');
        let received = 0;
        for (;;) {
          const data = await reader.read(65536);
          if (data.length === 0) break;
          hash.update(data);
          received += data.length;
          writer.write(data);
          await writer.drain();
        }
        if (writer.canWriteEof()) writer.writeEof();
        writer.close();
        await writer.waitClosed();
        done.setResult({ received, hash: hash.digest('hex') });
      } catch (e) {
        done.setException(e);
      }
    },
    host,
    0,
    tls === 'tls' ? { ssl: t.serverTls() } : {},
  );
  try {
    const port = String(portOf(server));
    const args =
      tls === 'plain'
        ? ['tcp-client', host, port, String(size)]
        : [tls === 'tls' ? 'tcp-client' : 'starttls-client', host, port, String(size), CA, 'localhost'];
    const report = await withPython(args, (py) => py.next<ClientReport>());
    const seen = await done;
    expect(report.sent).toBe(size);
    expect(report.received).toBe(size);
    expect(report.received_sha256).toBe(report.sent_sha256);
    expect(seen).toEqual({ received: size, hash: report.sent_sha256 });
  } finally {
    server.close();
    await server.waitClosed();
  }
}

async function pythonServerStreamsClient(t: NetTest, host: string, size: number, tls: StreamsTls): Promise<void> {
  const args = tls === 'plain' ? ['tcp-server', host] : [tls === 'tls' ? 'tcp-server' : 'starttls-server', host, CERT, KEY];
  await withPython(args, async (py) => {
    const { port } = await py.next<{ port: number }>();
    const [reader, writer] = await openConnection(host, port, tls === 'tls' ? { ssl: t.clientTls(), serverHostname: 'localhost' } : {});
    if (tls === 'starttls') {
      writer.write(Buffer.from('STARTTLS\n'));
      expect((await reader.readline()).toString()).toBe('OK\n');
      await writer.startTls(t.clientTls(), { serverHostname: 'localhost' });
    }
    const data = randomBytes(size);
    // Read while writing: the echo comes back as the server reads.
    const echo = tls === 'plain' ? reader.read(-1) : reader.readexactly(size);
    for (let i = 0; i < size; i += 65536) {
      writer.write(data.subarray(i, i + 65536));
      await writer.drain();
    }
    if (writer.canWriteEof()) writer.writeEof();
    const echoed = await echo;
    writer.close();
    await writer.waitClosed();
    const report = await py.next<ServerReport>();
    expect(echoed.length).toBe(size);
    expect(sha256(echoed)).toBe(sha256(data));
    expect(report.received).toBe(size);
    expect(report.received_sha256).toBe(sha256(data));
    expect(report.peername_host).toBe(host);
    expect(report.tls_version).toBe(tls === 'plain' ? null : 'TLSv1.3');
  });
}

/** A datagram echo endpoint that records what it received, in order, without duplicates. */
class UdpEcho extends DatagramProtocol {
  transport: DatagramTransport | null = null;
  readonly received: string[] = [];

  override connectionMade(transport: DatagramTransport): void {
    this.transport = transport;
  }

  override datagramReceived(data: Buffer, addr: Address): void {
    const message = data.toString();
    if (!this.received.includes(message)) this.received.push(message);
    this.transport!.sendto(data, addr);
  }
}

/** A connected datagram client: each echo completes the waiter of its message. */
class UdpClient extends DatagramProtocol {
  readonly waiters = new Map<string, Future<void>>();
  readonly echoed: string[] = [];

  override datagramReceived(data: Buffer): void {
    const message = data.toString();
    if (!this.echoed.includes(message)) this.echoed.push(message);
    const w = this.waiters.get(message);
    if (w !== undefined && !w.done()) w.setResult(undefined);
  }
}

const COUNT = 5;
const MESSAGES = Array.from({ length: COUNT }, (_, i) => `datagram ${i}`);

describe('python interop (asyncio peers over real sockets)', () => {
  const it = defineNetTest(newProactorNetLoop);

  for (const host of ['127.0.0.1', '::1']) {
    it(`TCP ${host}: an asyncio client (streams) sends 1 MiB to a @loop server (Protocol), half-closes, reads the echo`, async (t) => {
      await t.run(() => loopServerPythonClient(t.loop, host, 1 << 20), { seconds: 30 });
      t.loop.close();
    });

    it(`TCP ${host}: a @loop client (Protocol) sends 1 MiB to an asyncio server (streams), half-closes, reads the echo`, async (t) => {
      await t.run(() => pythonServerLoopClient(t.loop, host, 1 << 20), { seconds: 30 });
      t.loop.close();
    });
  }

  it('Unix socket: an asyncio client (open_unix_connection) against a @loop createUnixServer echo', async (t) => {
    await t.run(async () => {
      const path = t.path('echo.sock');
      const lost = t.loop.createFuture<Error | null>();
      let proto = null as EchoRecorder | null;
      const server = await t.loop.createUnixServer(() => (proto = new EchoRecorder(lost)), path);
      try {
        const report = await withPython(['tcp-client', path, '0', String(1 << 20)], (py) => py.next<ClientReport>());
        expect(await lost).toBeNull();
        expect(report.received).toBe(1 << 20);
        expect(report.received_sha256).toBe(report.sent_sha256);
        expect(proto!.received).toBe(1 << 20);
        expect(proto!.hash.digest('hex')).toBe(report.sent_sha256);
      } finally {
        server.close();
        await server.waitClosed();
      }
    }, { seconds: 30 });
    t.loop.close();
  });

  it('Unix socket: a @loop createUnixConnection client against an asyncio start_unix_server echo', async (t) => {
    await t.run(async () => {
      const path = t.path('echo.sock');
      await withPython(['tcp-server', path], async (py) => {
        await py.next<{ port: null }>();
        const data = randomBytes(1 << 20);
        const done = t.loop.createFuture<Error | null>();
        const [transport, proto] = await t.loop.createUnixConnection(() => new Collector(done), path);
        for (let i = 0; i < data.length; i += 65536) transport.write(data.subarray(i, i + 65536));
        transport.writeEof();
        expect(await done).toBeNull();
        const report = await py.next<ServerReport>();
        expect(report.received).toBe(data.length);
        expect(report.received_sha256).toBe(sha256(data));
        expect(sha256(Buffer.concat(proto.chunks))).toBe(sha256(data));
      });
    }, { seconds: 30 });
    t.loop.close();
  });

  it('TCP: an asyncio client against a @loop BufferedProtocol server', async (t) => {
    await t.run(() => loopServerPythonClient(t.loop, '127.0.0.1', 1 << 20, { buffered: true }), { seconds: 30 });
    t.loop.close();
  });

  it('TLS: an asyncio client (test CA, server_hostname) against a @loop TLS server (test certificate)', async (t) => {
    await t.run(() => loopServerPythonClient(t.loop, '127.0.0.1', 256 * 1024, { tls: { server: t.serverTls() } }), { seconds: 30 });
    t.loop.close();
  });

  it('TLS: a @loop TLS client (test CA, serverHostname) against an asyncio TLS server (test certificate)', async (t) => {
    await t.run(() => pythonServerLoopClient(t.loop, '127.0.0.1', 256 * 1024, { client: t.clientTls() }), { seconds: 30 });
    t.loop.close();
  });

  for (const [host, tls] of [
    ['127.0.0.1', 'plain'],
    ['::1', 'tls'],
    ['127.0.0.1', 'starttls'],
  ] as const) {
    const how = tls === 'plain' ? 'TCP' : tls === 'tls' ? 'TLS' : 'STARTTLS (StreamWriter.startTls / start_tls)';
    it(`streams, ${how} ${host}: an asyncio client against a @loop startServer echo (read, write, drain)`, async (t) => {
      await t.run(() => streamsServerPythonClient(t, host, 512 * 1024, tls), { seconds: 30 });
      t.loop.close();
    });

    it(`streams, ${how} ${host}: a @loop openConnection client against an asyncio start_server echo`, async (t) => {
      await t.run(() => pythonServerStreamsClient(t, host, 512 * 1024, tls), { seconds: 30 });
      t.loop.close();
    });
  }

  it('UDP: an asyncio client (connected endpoint) against a @loop datagram echo endpoint', async (t) => {
    await t.run(async () => {
      const [transport, proto] = await t.loop.createDatagramEndpoint(() => new UdpEcho(), ['127.0.0.1', 0]);
      try {
        const port = (transport.getExtraInfo('sockname') as [string, number])[1];
        const report = await withPython(['udp-client', '127.0.0.1', String(port), String(COUNT)], (py) => py.next<{ echoed: string[] }>());
        expect(report.echoed).toEqual(MESSAGES);
        expect(proto.received).toEqual(MESSAGES);
      } finally {
        transport.close();
      }
    }, { seconds: 30 });
    t.loop.close();
  });

  it('UDP: a @loop client (connected endpoint) against an asyncio datagram echo endpoint', async (t) => {
    await t.run(
      () =>
        withPython(['udp-server', '127.0.0.1', String(COUNT)], async (py) => {
          const { port } = await py.next<{ port: number }>();
          const [transport, proto] = await t.loop.createDatagramEndpoint(() => new UdpClient(), null, ['127.0.0.1', port]);
          try {
            for (const message of MESSAGES) {
              const echoed = t.loop.createFuture<void>();
              proto.waiters.set(message, echoed);
              // UDP may drop a datagram: re-send on a timeout, five times at most
              // (shield: waitFor's timeout must not cancel the waiter).
              for (let attempt = 1; ; attempt++) {
                transport.sendto(Buffer.from(message));
                try {
                  await waitFor(shield(echoed), 0.5);
                  break;
                } catch (e) {
                  if (attempt === 5 || !(e instanceof Error) || e.name !== 'TimeoutError') throw e;
                }
              }
            }
          } finally {
            transport.close();
          }
          const report = await py.next<{ received: string[] }>();
          expect(report.received).toEqual(MESSAGES);
          expect(proto.echoed).toEqual(MESSAGES);
        }),
      { seconds: 30 },
    );
    t.loop.close();
  });
});

