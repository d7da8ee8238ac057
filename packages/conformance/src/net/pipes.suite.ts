/**
 * Pipe transports: `connectReadPipe` / `connectWritePipe` (asyncio's
 * `test_events` pipe tests and `test_unix_events`
 * `UnixReadPipeTransportTests` / `UnixWritePipeTransportTests`).
 *
 * HOW: real pipe ends only — `pipe()` from `@loop/socket`, named pipes made
 * with `mkfifo` (opened blocking, as a program given a FIFO path would),
 * socketpairs, a regular file for the refusal — and the other end driven
 * with plain `fs` calls. Each test counts the process's open descriptors
 * (`/proc/self/fd`) before and after: the transport closes its pipe.
 *
 * The behaviours are catalog.md's PIPE-01 to PIPE-09.
 *
 * One expectation for every loop: a write pipe watches its own descriptor
 * (asyncio's `_UnixWritePipeTransport`), so the reader going away is seen
 * without a write (the selector with a reader on it, the proactor with its
 * handle reading it); a read pipe reports every read error but `EIO` to the
 * exception handler (`_UnixReadPipeTransport._fatal_error`).
 *
 * @packageDocumentation
 */
import { expect } from 'expect';
import { describe } from '../runner.js';
import { execFileSync } from 'node:child_process';
import { closeSync, constants as fsConstants, fstatSync, openSync, readdirSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { Protocol, type BaseTransport, type Future, type ReadTransport, type WriteTransport } from '@loop/interfaces';
import { pipe, socketpair } from '@loop/socket';
import { defineNetTest, type NetLoop, type NetLoopFactory } from './harness.js';

/** The number of descriptors open in this process. */
function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Whether `fd` is open. */
function isOpen(fd: number): boolean {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

class PipeRecorder extends Protocol {
  readonly events: string[] = [];
  readonly chunks: Buffer[] = [];
  transport: BaseTransport | null = null;
  readonly lost: Future<Error | null>;
  readonly #loop: NetLoop;
  #want: { n: number; fut: Future<void> } | null = null;

  constructor(loop: NetLoop) {
    super();
    this.#loop = loop;
    this.lost = loop.createFuture();
  }

  override connectionMade(transport: BaseTransport): void {
    this.events.push('connectionMade');
    this.transport = transport;
  }

  override dataReceived(data: Buffer): void {
    if (this.events[this.events.length - 1] !== 'dataReceived') this.events.push('dataReceived');
    this.chunks.push(data);
    if (this.#want !== null && this.size() >= this.#want.n) {
      this.#want.fut.setResult(undefined);
      this.#want = null;
    }
  }

  override eofReceived(): boolean | void {
    this.events.push('eofReceived');
  }

  override pauseWriting(): void {
    this.events.push('pauseWriting');
  }

  override resumeWriting(): void {
    this.events.push('resumeWriting');
  }

  override connectionLost(exc: Error | null): void {
    this.events.push('connectionLost');
    this.lost.setResult(exc);
  }

  size(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }

  text(): string {
    return Buffer.concat(this.chunks).toString();
  }

  /** Resolves once `n` bytes in all were received. */
  bytes(n: number): Future<void> {
    const fut = this.#loop.createFuture<void>();
    if (this.size() >= n) fut.setResult(undefined);
    else this.#want = { n, fut };
    return fut;
  }
}

async function sleep(loop: NetLoop, seconds: number): Promise<void> {
  const fut = loop.createFuture<void>();
  loop.callLater(seconds, () => fut.setResult(undefined));
  await fut;
}

/** Reads what is in the non-blocking `fd` now (empty when nothing is). */
function drain(fd: number): Buffer {
  const out: Buffer[] = [];
  const buf = Buffer.alloc(65536);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (err) {
      if ((err as { code?: string }).code === 'EAGAIN') break;
      throw err;
    }
    if (n === 0) break;
    out.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(out);
}

/** The pipe transports suite. */
export function pipesSuite(newLoop: NetLoopFactory): void {
  describe('connectReadPipe / connectWritePipe', () => {
    const it = defineNetTest(newLoop);

    it('[test_read_pipe, PIPE-01] read pipe: data, then at EOF eofReceived and connectionLost(null); the pipe is closed', async (t) => {
      const before = openFds();
      await t.run(async () => {
        const loop = t.loop;
        const [r, w] = pipe();
        const [transport, proto] = await loop.connectReadPipe(() => new PipeRecorder(loop), r);
        expect(proto.events).toEqual(['connectionMade']);
        expect(proto.transport).toBe(transport);
        expect(transport.getExtraInfo('pipe')).toBe(r);
        expect(transport.isReading()).toBe(true);
        expect(transport.isClosing()).toBe(false);
        writeSync(w, 'one');
        await proto.bytes(3);
        writeSync(w, 'two');
        await proto.bytes(6);
        expect(proto.text()).toBe('onetwo');
        closeSync(w);
        expect(await proto.lost).toBeNull();
        expect(proto.events).toEqual(['connectionMade', 'dataReceived', 'eofReceived', 'connectionLost']);
        expect(transport.isClosing()).toBe(true);
        expect(isOpen(r)).toBe(false);
        transport.close();
        await sleep(loop, 0.01);
        expect(proto.events.filter((e) => e === 'connectionLost').length).toBe(1);
      });
      t.loop.close();
      expect(openFds()).toBe(before);
    });

    it('[test_pause_reading, test_resume_reading, PIPE-03] read pipe: pauseReading stops dataReceived until resumeReading; both are idempotent', async (t) => {
      const before = openFds();
      await t.run(async () => {
        const loop = t.loop;
        const [r, w] = pipe();
        const [transport, proto] = await loop.connectReadPipe(() => new PipeRecorder(loop), { fileno: () => r });
        transport.pauseReading();
        transport.pauseReading();
        expect(transport.isReading()).toBe(false);
        writeSync(w, 'held');
        await sleep(loop, 0.05);
        expect(proto.chunks).toEqual([]);
        transport.resumeReading();
        transport.resumeReading();
        expect(transport.isReading()).toBe(true);
        await proto.bytes(4);
        expect(proto.text()).toBe('held');
        transport.close();
        expect(transport.isReading()).toBe(false);
        expect(await proto.lost).toBeNull();
        expect(proto.events).toEqual(['connectionMade', 'dataReceived', 'connectionLost']);
        expect(isOpen(r)).toBe(false);
        closeSync(w);
      });
      t.loop.close();
      expect(openFds()).toBe(before);
    });

    it('[test_write_pipe, PIPE-05, PIPE-08] write pipe: writes reach the reader; writeEof closes once flushed; later writes are dropped', async (t) => {
      const before = openFds();
      await t.run(async () => {
        const loop = t.loop;
        const [r, w] = pipe();
        const [transport, proto] = await loop.connectWritePipe(() => new PipeRecorder(loop), { fd: w });
        expect(transport.getExtraInfo('pipe')).toEqual({ fd: w });
        expect(transport.canWriteEof()).toBe(true);
        expect(transport.getWriteBufferLimits()).toEqual([16 * 1024, 64 * 1024]);
        expect(() => transport.write('text' as unknown as Uint8Array)).toThrow(TypeError);
        transport.write(Buffer.from('hello '));
        transport.writelines([Buffer.from('pipe'), new Uint8Array([0x21])]);
        transport.write(Buffer.alloc(0));
        let got = '';
        for (let i = 0; i < 100 && got.length < 11; i++) {
          await sleep(loop, 0.005);
          got += drain(r).toString();
        }
        expect(got).toBe('hello pipe!');
        transport.writeEof();
        transport.writeEof();
        expect(transport.isClosing()).toBe(true);
        transport.write(Buffer.from('dropped'));
        expect(await proto.lost).toBeNull();
        expect(proto.events).toEqual(['connectionMade', 'connectionLost']);
        expect(isOpen(w)).toBe(false);
        expect(drain(r).length).toBe(0);
        closeSync(r);
      });
      t.loop.close();
      expect(openFds()).toBe(before);
    });

    it('[PIPE-09, FLOW-03, FLOW-04] write pipe flow control: a full pipe buffers, pauseWriting; draining it resumes and delivers every byte in order', async (t) => {
      const before = openFds();
      await t.run(async () => {
        const loop = t.loop;
        const [r, w] = pipe();
        const [transport, proto] = await loop.connectWritePipe(() => new PipeRecorder(loop), w);
        const total = 1024 * 1024;
        const data = Buffer.alloc(total);
        for (let i = 0; i < total; i++) data[i] = (i * 7) & 0xff;
        for (let off = 0; off < total; off += 64 * 1024) transport.write(data.subarray(off, off + 64 * 1024));
        expect(transport.getWriteBufferSize()).toBeGreaterThan(64 * 1024);
        expect(proto.events).toEqual(['connectionMade', 'pauseWriting']);
        const got: Buffer[] = [];
        let size = 0;
        for (let i = 0; i < 1000 && size < total; i++) {
          await sleep(loop, 0.002);
          const chunk = drain(r);
          got.push(chunk);
          size += chunk.length;
        }
        expect(size).toBe(total);
        expect(Buffer.concat(got).equals(data)).toBe(true);
        expect(transport.getWriteBufferSize()).toBe(0);
        expect(proto.events).toEqual(['connectionMade', 'pauseWriting', 'resumeWriting']);
        transport.close();
        expect(await proto.lost).toBeNull();
        closeSync(r);
      });
      t.loop.close();
      expect(openFds()).toBe(before);
    });

    it('[test_write_pipe_disconnect_on_close, PIPE-06] write pipe: the reader going away with data buffered is connectionLost(EPIPE), not reported', async (t) => {
      const before = openFds();
      const logs = t.expectLogs();
      await t.run(async () => {
        const loop = t.loop;
        const [r, w] = pipe();
        const [transport, proto] = await loop.connectWritePipe(() => new PipeRecorder(loop), w);
        transport.write(Buffer.alloc(256 * 1024, 1));
        expect(transport.getWriteBufferSize()).toBeGreaterThan(0);
        closeSync(r);
        const exc = await proto.lost;
        expect((exc as Error & { code?: string }).code).toBe('EPIPE');
        expect(transport.isClosing()).toBe(true);
        expect(transport.getWriteBufferSize()).toBe(0);
        expect(isOpen(w)).toBe(false);
        // asyncio's BrokenPipeError() (or the failed write's EPIPE): logged in debug mode only, never an error record.
        expect(logs.filter((r) => r.level === 'error' || r.level === 'warn')).toEqual([]);
      });
      t.loop.close();
      expect(openFds()).toBe(before);
    });

    it('[test_write_pipe_disconnect_on_close, PIPE-06] write pipe: the reader going away with nothing buffered closes the transport', async (t) => {
      const before = openFds();
      await t.run(async () => {
        const loop = t.loop;
        const [r, w] = pipe();
        const [transport, proto] = await loop.connectWritePipe(() => new PipeRecorder(loop), w);
        closeSync(r);
        // The write end is watched: the reader's close makes it readable
        // (EPOLLERR), and asyncio closes without an error, without a write.
        expect(await proto.lost).toBeNull();
        expect(transport.isClosing()).toBe(true);
        // asyncio logs `<transport> was closed by peer` at info level, in debug mode only.
        const closedByPeer = t.logs.filter((r) => r.level === 'info' && r.text.endsWith(' was closed by peer'));
        expect(closedByPeer.length).toBe(loop.getDebug() ? 1 : 0);
        expect(proto.events).toEqual(['connectionMade', 'connectionLost']);
        expect(isOpen(w)).toBe(false);
        // Later writes are dropped and counted from 0 (asyncio's write pipe does
        // not count its own close in `_conn_lost`): the sixth warns, once (D33).
        const warns = (): number => t.logs.filter((r) => r.level === 'warn').length;
        for (let i = 0; i < 5; i++) transport.write(Buffer.from('late'));
        expect(warns()).toBe(0);
        transport.write(Buffer.from('late'));
        expect(warns()).toBe(1);
        transport.write(Buffer.from('late'));
        transport.write(Buffer.from('late'));
        const warnings = t.logs.filter((r) => r.level === 'warn');
        expect(warnings.length).toBe(1);
        expect(warnings[0]?.text).toBe('pipe closed by peer or os.write(pipe, data) raised exception.');
      });
      t.loop.close();
      expect(openFds()).toBe(before);
    });

    it('[test_abort, PIPE-08] write pipe: abort drops the buffer; connectionLost(null) once', async (t) => {
      const before = openFds();
      await t.run(async () => {
        const loop = t.loop;
        const [r, w] = pipe();
        const [transport, proto] = await loop.connectWritePipe(() => new PipeRecorder(loop), w);
        transport.write(Buffer.alloc(512 * 1024, 2));
        expect(transport.getWriteBufferSize()).toBeGreaterThan(0);
        transport.abort();
        transport.abort();
        transport.close();
        expect(transport.isClosing()).toBe(true);
        expect(await proto.lost).toBeNull();
        await sleep(loop, 0.01);
        expect(proto.events.filter((e) => e === 'connectionLost').length).toBe(1);
        expect(isOpen(w)).toBe(false);
        closeSync(r);
      });
      t.loop.close();
      expect(openFds()).toBe(before);
    });

    it('[PIPE-04, PIPE-01] named pipes (mkfifo) opened blocking: a write transport and a read transport carry data, EOF closes the reader', async (t) => {
      const before = openFds();
      await t.run(async () => {
        const loop = t.loop;
        const path = t.path('fifo');
        execFileSync('mkfifo', [path]);
        // The reader first, non-blocking (it must not wait for a writer), then a blocking writer.
        const r = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
        const w = openSync(path, fsConstants.O_WRONLY);
        const [rt, rp] = await loop.connectReadPipe(() => new PipeRecorder(loop), r);
        const [wt, wp] = await loop.connectWritePipe(() => new PipeRecorder(loop), w);
        const data = Buffer.alloc(200 * 1024, 'x');
        wt.write(data);
        wt.write(Buffer.from('end'));
        wt.close();
        expect(await wp.lost).toBeNull();
        expect(await rp.lost).toBeNull();
        expect(rp.size()).toBe(data.length + 3);
        expect(rp.text().endsWith('xend')).toBe(true);
        expect(rp.events).toEqual(['connectionMade', 'dataReceived', 'eofReceived', 'connectionLost']);
        expect(rt.isClosing()).toBe(true);
        expect(isOpen(r) || isOpen(w)).toBe(false);
      });
      t.loop.close();
      expect(openFds()).toBe(before);
    });

    it('[PIPE-04, PIPE-03] a named pipe opened read-write and blocking reads without blocking the loop; close() closes it', async (t) => {
      const before = openFds();
      await t.run(async () => {
        const loop = t.loop;
        const path = t.path('fifo-rw');
        execFileSync('mkfifo', [path]);
        const rw = openSync(path, fsConstants.O_RDWR);
        const w = openSync(path, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
        const [transport, proto] = await loop.connectReadPipe(() => new PipeRecorder(loop), rw);
        writeSync(w, 'ping');
        await proto.bytes(4);
        // A second readiness check finds nothing: a blocking read here would hang the test.
        await sleep(loop, 0.02);
        expect(proto.text()).toBe('ping');
        transport.close();
        expect(await proto.lost).toBeNull();
        expect(isOpen(rw)).toBe(false);
        closeSync(w);
      });
      t.loop.close();
      expect(openFds()).toBe(before);
    });

    it('[PIPE-04, PIPE-08] socketpair ends as pipes: the write side writeEof closes it, the read side gets EOF', async (t) => {
      const before = openFds();
      await t.run(async () => {
        const loop = t.loop;
        const [a, b] = socketpair();
        const fa = a.fileno();
        const fb = b.fileno();
        // Plain descriptors: the transports own and close them.
        a.detach();
        b.detach();
        const [rt, rp] = await loop.connectReadPipe(() => new PipeRecorder(loop), fa);
        const [wt, wp] = await loop.connectWritePipe(() => new PipeRecorder(loop), fb);
        wt.write(Buffer.from('over a socket'));
        await rp.bytes(13);
        expect(rp.text()).toBe('over a socket');
        wt.writeEof();
        expect(await wp.lost).toBeNull();
        expect(await rp.lost).toBeNull();
        expect(rp.events).toEqual(['connectionMade', 'dataReceived', 'eofReceived', 'connectionLost']);
        expect(rt.isClosing()).toBe(true);
        expect(isOpen(fa) || isOpen(fb)).toBe(false);
      });
      t.loop.close();
      expect(openFds()).toBe(before);
    });

    it('[test_write_pipe_disconnect_on_close, PIPE-06] write pipe over a socketpair end: the peer closing, or sending data, closes the transport with connectionLost(null)', async (t) => {
      const before = openFds();
      await t.run(async () => {
        const loop = t.loop;
        for (const peerDoes of ['close', 'send'] as const) {
          const [a, b] = socketpair();
          const fb = b.fileno();
          b.detach();
          const [transport, proto] = await loop.connectWritePipe(() => new PipeRecorder(loop), fb);
          // Nothing happens while the peer is there and silent.
          await sleep(loop, 0.05);
          expect(transport.isClosing()).toBe(false);
          // asyncio's write pipe takes its end becoming readable as "closed by peer",
          // data included (it reads nothing): connectionLost(null) with nothing buffered.
          if (peerDoes === 'close') a.close();
          else a.send(Buffer.from('unexpected'));
          expect(await proto.lost).toBeNull();
          expect(proto.events).toEqual(['connectionMade', 'connectionLost']);
          expect(transport.isClosing()).toBe(true);
          expect(isOpen(fb)).toBe(false);
          const closedByPeer = t.logs.filter((r) => r.level === 'info' && r.text.endsWith(' was closed by peer'));
          expect(closedByPeer.length).toBe(loop.getDebug() ? (peerDoes === 'close' ? 1 : 2) : 0);
          if (peerDoes === 'send') a.close();
        }
      });
      t.loop.close();
      expect(openFds()).toBe(before);
    });

    it('[PIPE-02] read pipe over a write end: the read error goes to the exception handler and connectionLost(EBADF)', async (t) => {
      const before = openFds();
      const exceptions = t.expectExceptionHandlerCalls();
      await t.run(async () => {
        const loop = t.loop;
        const [r, w] = pipe();
        const [transport, proto] = await loop.connectReadPipe(() => new PipeRecorder(loop), w);
        // Nothing happens while the reader is there: the write end is not readable.
        await sleep(loop, 0.05);
        expect(proto.events).toEqual(['connectionMade']);
        expect(transport.isClosing()).toBe(false);
        // The read end closing makes the write end ready (EPOLLERR); reading it fails with EBADF.
        closeSync(r);
        const exc = (await proto.lost) as Error & { code?: string; syscall?: string };
        expect(exc.code).toBe('EBADF');
        expect(proto.events).toEqual(['connectionMade', 'connectionLost']);
        // asyncio's read pipe reports every read error but EIO, debug mode or not.
        expect(exceptions.length).toBe(1);
        expect(exceptions[0]?.message).toBe('Fatal read error on pipe transport');
        expect(exceptions[0]?.exception).toBe(exc);
        expect(exceptions[0]?.transport).toBe(transport);
        expect(exceptions[0]?.protocol).toBe(proto);
        expect(transport.isClosing()).toBe(true);
        expect(isOpen(w)).toBe(false);
      });
      t.loop.close();
      expect(openFds()).toBe(before);
    });

    it('[test_write_pty, PIPE-04] a terminal (a pseudo-terminal master) is a character device: a write transport writes to it, close() closes it', async (t) => {
      const before = openFds();
      await t.run(async () => {
        const loop = t.loop;
        const master = openSync('/dev/ptmx', fsConstants.O_RDWR | fsConstants.O_NOCTTY | fsConstants.O_NONBLOCK);
        expect(fstatSync(master).isCharacterDevice()).toBe(true);
        const [transport, proto] = await loop.connectWritePipe(() => new PipeRecorder(loop), master);
        transport.write(Buffer.from('hello'));
        expect(transport.getWriteBufferSize()).toBe(0);
        transport.close();
        expect(await proto.lost).toBeNull();
        expect(proto.events).toEqual(['connectionMade', 'connectionLost']);
        expect(isOpen(master)).toBe(false);
      });
      t.loop.close();
      expect(openFds()).toBe(before);
    });

    it('[PIPE-04] a regular file is refused: RangeError "Pipe transport is ..." and the descriptor stays open', async (t) => {
      const before = openFds();
      await t.run(async () => {
        const loop = t.loop;
        const path = t.path('regular');
        writeFileSync(path, 'data');
        const fd = openSync(path, 'r+');
        for (const connect of [
          () => loop.connectReadPipe(() => new PipeRecorder(loop), fd),
          () => loop.connectWritePipe(() => new PipeRecorder(loop), fd),
        ]) {
          const err = await connect().catch((e: unknown) => e);
          expect(err).toBeInstanceOf(RangeError);
          expect((err as Error).message).toMatch(/^Pipe transport is (for pipes\/sockets only\.|only for pipes, sockets and character devices)$/);
          expect((err as { code?: string }).code).toBe('ERR_LOOP_OUT_OF_RANGE');
        }
        expect(isOpen(fd)).toBe(true);
        closeSync(fd);
        await expect(loop.connectReadPipe(() => new PipeRecorder(loop), -1)).rejects.toThrow(RangeError);
        await expect(loop.connectReadPipe(() => new PipeRecorder(loop), 'nope' as never)).rejects.toThrow(TypeError);
      });
      t.loop.close();
      expect(openFds()).toBe(before);
    });

    it('[PIPE-01, PIPE-05] two transports on one loop: a write pipe feeding a read pipe, echoed back through a second pair', async (t) => {
      const before = openFds();
      await t.run(async () => {
        const loop = t.loop;
        const [r1, w1] = pipe();
        const [r2, w2] = pipe();
        let back: WriteTransport | null = null;
        class Echo extends PipeRecorder {
          override dataReceived(data: Buffer): void {
            super.dataReceived(data);
            back?.write(data);
          }
        }
        const [, echo] = await loop.connectReadPipe(() => new Echo(loop), r1);
        const [bt] = await loop.connectWritePipe(() => new PipeRecorder(loop), w2);
        back = bt;
        const [, replies] = await loop.connectReadPipe(() => new PipeRecorder(loop), r2);
        const [out, outProto] = await loop.connectWritePipe(() => new PipeRecorder(loop), w1);
        for (let i = 0; i < 10; i++) out.write(Buffer.from(`m${i};`));
        const expected = Array.from({ length: 10 }, (_, i) => `m${i};`).join('');
        await replies.bytes(expected.length);
        expect(replies.text()).toBe(expected);
        out.close();
        await outProto.lost;
        await echo.lost;
        bt.close();
        await replies.lost;
        const rt = replies.transport as ReadTransport;
        expect(rt.isClosing()).toBe(true);
      });
      t.loop.close();
      expect(openFds()).toBe(before);
    });
  });
}
