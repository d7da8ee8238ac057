/**
 * `loop.sendfile()` (asyncio's `test_sendfile.py`, the transport part): the
 * read-and-write fallback over TCP and TLS transports, `offset` / `count`,
 * the file position, flow control, `fallback: false`, argument checks, and a
 * peer that leaves mid-transfer.
 *
 * HOW: real files in the test's directory, real connections made with
 * `createServer` / `createConnection` (TLS with the test CA); each transfer
 * is checked byte for byte (SHA-256) on the receiving side.
 *
 * @packageDocumentation
 */
import { expect } from 'expect';
import { describe } from '../runner.js';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Protocol, RuntimeError, SendfileNotAvailableError, hasCapability, type Server, type Transport, type WriteTransport } from '@loop/interfaces';
import { defineNetTest, type NetLoop, type NetLoopFactory, type NetTest } from './harness.js';

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Receives everything and hashes it; can wait for a byte count or the end. */
class Sink extends Protocol {
  readonly hash = createHash('sha256');
  size = 0;
  transport: Transport | null = null;
  eof = false;
  lost = false;
  readonly #waiters: [() => boolean, () => void][] = [];
  onData: ((sink: Sink) => void) | null = null;

  override connectionMade(transport: Transport): void {
    this.transport = transport;
    this.#check();
  }
  override dataReceived(data: Buffer): void {
    this.hash.update(data);
    this.size += data.length;
    this.onData?.(this);
    this.#check();
  }
  override eofReceived(): void {
    this.eof = true;
    this.#check();
  }
  override connectionLost(): void {
    this.lost = true;
    this.#check();
  }
  until(pred: () => boolean): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push([pred, resolve]));
  }
  #check(): void {
    for (const w of [...this.#waiters]) {
      if (w[0]()) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w[1]();
      }
    }
  }
}

/** The sender's protocol: records write pausing and the end. */
class Sender extends Protocol {
  pauses = 0;
  resumes = 0;
  paused = false;
  lostWith: Error | null | undefined = undefined;
  readonly received: Buffer[] = [];
  override pauseWriting(): void {
    expect(this.paused).toBe(false);
    this.paused = true;
    this.pauses++;
  }
  override resumeWriting(): void {
    expect(this.paused).toBe(true);
    this.paused = false;
    this.resumes++;
  }
  override dataReceived(data: Buffer): void {
    this.received.push(data);
  }
  override connectionLost(exc: Error | null): void {
    this.lostWith = exc;
  }
}

interface Pair {
  server: Server;
  sinks: Sink[];
  transport: Transport;
  sender: Sender;
}

async function pair(t: NetTest, ssl = false, onSink?: (s: Sink) => void): Promise<Pair> {
  const loop: NetLoop = t.loop;
  const sinks: Sink[] = [];
  const server = await loop.createServer(
    () => {
      const s = new Sink();
      onSink?.(s);
      sinks.push(s);
      return s;
    },
    '127.0.0.1',
    0,
    ssl ? { ssl: t.serverTls() } : {},
  );
  const port = (server.sockets[0].getsockname() as [string, number])[1];
  const [transport, sender] = await loop.createConnection(() => new Sender(), '127.0.0.1', port, ssl ? { ssl: t.clientTls(), serverHostname: 'localhost' } : {});
  return { server, sinks, transport, sender };
}

async function finish(p: Pair): Promise<void> {
  p.transport.close();
  await p.sinks[0].until(() => p.sinks[0].lost);
  p.server.close();
  await p.server.waitClosed();
}

/** `loop.sendfile()`: the fallback, file positions, flow control, errors. */
export function sendfileSuite(newLoop: NetLoopFactory): void {
  describe('sendfile', () => {
    const it = defineNetTest(newLoop);

    it('[test_sendfile, SF-01] sends a whole file (fd) and resolves to its size; the fd position advances by the bytes sent', async (t) => {
      const data = randomBytes(300 * 1024 + 17);
      const path = t.path('data.bin');
      writeFileSync(path, data);
      const fd = openSync(path, 'r');
      try {
        await t.run(async () => {
          const p = await pair(t);
          const sent = await t.loop.sendfile(p.transport, fd);
          expect(sent).toBe(data.length);
          await p.sinks[0].until(() => p.sinks[0].size === data.length);
          expect(p.sinks[0].hash.digest('hex')).toBe(sha256(data));
          // The transport is given back, reading again.
          expect(p.transport.getProtocol()).toBe(p.sender);
          expect(p.transport.isReading()).toBe(true);
          expect(readSync(fd, Buffer.alloc(10), 0, 10, null)).toBe(0); // at EOF
          await finish(p);
        });
      } finally {
        closeSync(fd);
      }
      t.loop.close();
    });

    it('[test_sendfile_partial, SF-01] offset and count: sends that slice (a FileHandle too); a count past EOF stops at EOF; positional reads leave the position', async (t) => {
      const data = randomBytes(100 * 1024);
      const path = t.path('data.bin');
      writeFileSync(path, data);
      const fh = await open(path, 'r');
      try {
        await t.run(async () => {
          const p = await pair(t);
          expect(await t.loop.sendfile(p.transport, fh, 1000, 50000)).toBe(50000);
          expect(await t.loop.sendfile(p.transport, fh, 90 * 1024, 1024 * 1024)).toBe(10 * 1024);
          expect(await t.loop.sendfile(p.transport, fh, 0, 10)).toBe(10);
          const expected = Buffer.concat([data.subarray(1000, 51000), data.subarray(90 * 1024), data.subarray(0, 10)]);
          await p.sinks[0].until(() => p.sinks[0].size === expected.length);
          expect(p.sinks[0].hash.digest('hex')).toBe(sha256(expected));
          // offset 0 read from the current position (0) and advanced it by 10.
          const next = Buffer.alloc(5);
          expect((await fh.read(next, 0, 5, null)).bytesRead).toBe(5);
          expect(next.equals(data.subarray(10, 15))).toBe(true);
          // An empty file, or offset at EOF: nothing to send.
          expect(await t.loop.sendfile(p.transport, fh, data.length)).toBe(0);
          await finish(p);
        });
      } finally {
        await fh.close();
      }
      t.loop.close();
    });

    // asyncio's TRY_NATIVE mode (the selector loop with sockSendfile) sends with sendfile(2) even with
    // fallback: false; a loop without a native path (FALLBACK mode) rejects.
    it('[test_sendfile_force_unsupported_native, SF-03] fallback: false: sent natively where the loop has sockSendfile; else rejects with SendfileNotAvailableError (a RuntimeError)', async (t) => {
      const path = t.path('data.bin');
      writeFileSync(path, 'x');
      const fd = openSync(path, 'r');
      try {
        await t.run(async () => {
          const p = await pair(t);
          if (hasCapability(t.loop, 'sockSendfile')) {
            expect(await t.loop.sendfile(p.transport, fd, 0, null, { fallback: false })).toBe(1);
            await p.sinks[0].until(() => p.sinks[0].size === 1);
            expect(p.transport.isReading()).toBe(true);
          } else {
            const err = await t.loop.sendfile(p.transport, fd, 0, null, { fallback: false }).catch((e: unknown) => e);
            expect(err).toBeInstanceOf(SendfileNotAvailableError);
            expect(err).toBeInstanceOf(RuntimeError);
            expect(err).toMatchObject({ code: 'ERR_LOOP_SENDFILE_NOT_AVAILABLE' });
          }
          expect(p.transport.getProtocol()).toBe(p.sender);
          await finish(p);
        });
      } finally {
        closeSync(fd);
      }
      t.loop.close();
    });

    it('[test_sendfile_for_closing_transp, SF-04, SF-09] bad arguments reject (never throw) with asyncio\'s errors: RangeError / TypeError for offset and count, TypeError for the file, RuntimeError for a closing or non-stream transport', async (t) => {
      const path = t.path('data.bin');
      writeFileSync(path, 'abc');
      const fd = openSync(path, 'r');
      try {
        await t.run(async () => {
          const p = await pair(t);
          const loop = t.loop;
          const tr = p.transport;
          const cases: [() => Promise<number>, new (...a: never[]) => Error, string][] = [
            [() => loop.sendfile(tr, fd, -1), RangeError, 'offset must be a non-negative integer (got -1)'],
            [() => loop.sendfile(tr, fd, 1.5), TypeError, 'offset must be a non-negative integer (got 1.5)'],
            [() => loop.sendfile(tr, fd, '1' as unknown as number), TypeError, 'offset must be a non-negative integer (got "1")'],
            [() => loop.sendfile(tr, fd, 0, 0), RangeError, 'count must be a positive integer (got 0)'],
            [() => loop.sendfile(tr, fd, 0, -5), RangeError, 'count must be a positive integer (got -5)'],
            [() => loop.sendfile(tr, fd, 0, 2.5), TypeError, 'count must be a positive integer (got 2.5)'],
            [() => loop.sendfile(tr, 'file' as unknown as number), TypeError, 'file must be a file descriptor or a FileHandle'],
            [() => loop.sendfile({} as WriteTransport, fd), RuntimeError, 'sendfile is not supported for transport'],
          ];
          for (const [call, Cls, message] of cases) {
            let promise: Promise<number> | undefined;
            expect(() => (promise = call())).not.toThrow();
            const err = await promise!.catch((e: unknown) => e);
            expect(err).toBeInstanceOf(Cls);
            expect((err as Error).message).toContain(message);
          }
          expect(tr.getProtocol()).toBe(p.sender);
          tr.close();
          const err = await loop.sendfile(tr, fd).catch((e: unknown) => e);
          expect(err).toBeInstanceOf(RuntimeError);
          expect((err as Error).message).toBe('Transport is closing');
          await p.sinks[0].until(() => p.sinks[0].lost);
          p.server.close();
          await p.server.waitClosed();
        });
      } finally {
        closeSync(fd);
      }
      t.loop.close();
    });

    it('[SF-01, SF-02] honours flow control behind a slow reader (16 MiB), leaves the sender\'s protocol with paired pause/resume calls', async (t) => {
      const size = 16 * 1024 * 1024;
      const data = randomBytes(size);
      const path = t.path('big.bin');
      writeFileSync(path, data);
      const fd = openSync(path, 'r');
      try {
        await t.run(
          async () => {
            let sending = true;
            let sender: Transport | null = null;
            const p = await pair(t, false, (sink) => {
              // Hold reading while the file is being sent: the socket buffers fill.
              const hold = (): void => {
                if (sink.transport === null) {
                  t.loop.callSoon(hold);
                  return;
                }
                sink.transport.pauseReading();
                // On the native path (sendfile(2) straight to the socket) the transport's buffer stays
                // empty: the reader resumes once the socket buffers have had time to fill.
                const native = hasCapability(t.loop, 'sockSendfile');
                let held = 0;
                const check = (): void => {
                  if (!sending || (sender !== null && sender.getWriteBufferSize() > 0) || (native && ++held > 20)) sink.transport!.resumeReading();
                  else t.loop.callLater(0.01, check);
                };
                check();
              };
              hold();
            });
            sender = p.transport;
            p.transport.setWriteBufferLimits({ high: 64 * 1024 });
            const sent = await t.loop.sendfile(p.transport, fd);
            sending = false;
            expect(sent).toBe(size);
            await p.sinks[0].until(() => p.sinks[0].size === size);
            expect(p.sinks[0].hash.digest('hex')).toBe(sha256(data));
            // The buffer stayed bounded: the sender's protocol is not left paused.
            for (let i = 0; i < 1000 && p.sender.paused; i++) await new Promise<void>((r) => t.loop.callLater(0.01, r));
            expect(p.sender.paused).toBe(false);
            expect(p.sender.resumes).toBe(p.sender.pauses);
            expect(p.transport.getWriteBufferSize()).toBeLessThanOrEqual(64 * 1024);
            await finish(p);
          },
          { seconds: 60 },
        );
      } finally {
        closeSync(fd);
      }
      t.loop.close();
    }, { timeout: 90000 });

    it('[test_sendfile_ssl, SF-02] over a TLS transport: the fallback sends the file through TLS', async (t) => {
      const data = randomBytes(1024 * 1024 + 3);
      const path = t.path('data.bin');
      writeFileSync(path, data);
      const fh = await open(path, 'r');
      try {
        await t.run(async () => {
          const p = await pair(t, true);
          expect(p.transport.getExtraInfo('ssl_object')).not.toBeNull();
          expect(await t.loop.sendfile(p.transport, fh)).toBe(data.length);
          await p.sinks[0].until(() => p.sinks[0].size === data.length);
          expect(p.sinks[0].hash.digest('hex')).toBe(sha256(data));
          expect(p.transport.getProtocol()).toBe(p.sender);
          await finish(p);
        });
      } finally {
        await fh.close();
      }
      t.loop.close();
    });

    it('[test_sendfile_close_peer_in_the_middle_of_receiving, SF-06] a peer that leaves mid-transfer: sendfile rejects, the sender\'s protocol still gets connectionLost', async (t) => {
      const size = 16 * 1024 * 1024;
      const path = t.path('big.bin');
      writeFileSync(path, randomBytes(size));
      const fd = openSync(path, 'r');
      try {
        await t.run(
          async () => {
            const p = await pair(t, false, (sink) => {
              sink.onData = (s) => {
                if (s.size > 256 * 1024) s.transport!.abort();
              };
            });
            p.transport.setWriteBufferLimits({ high: 64 * 1024 });
            const err = await t.loop.sendfile(p.transport, fd).then(
              () => null,
              (e: unknown) => e as Error,
            );
            expect(err).not.toBeNull(); // a Node system error (ECONNRESET / EPIPE) or 'Connection closed by peer'
            expect(typeof err!.message).toBe('string');
            for (let i = 0; i < 1000 && p.sender.lostWith === undefined; i++) await new Promise<void>((r) => t.loop.callLater(0.01, r));
            expect(p.sender.lostWith).not.toBeUndefined();
            expect(p.transport.getProtocol()).toBe(p.sender);
            p.server.close();
            await p.server.waitClosed();
          },
          { seconds: 30 },
        );
      } finally {
        closeSync(fd);
      }
      t.loop.close();
    });
  });
}
