/**
 * Streams (asyncio's `test_streams`): `StreamReader` on its own, fed by hand
 * (`feedData` / `feedEof` are public API), then `openConnection` /
 * `startServer` and their Unix twins end to end over real sockets.
 *
 * HOW: the reader tests mirror CPython's `test_streams.py` case by case
 * (same data, same expected buffers and errors), checking what is left in
 * the buffer through the reader's repr and a final read. The end-to-end tests
 * run servers made by the loop under test on 127.0.0.1, ::1 and Unix
 * sockets; the reset tests use a plain `node:net` server that resets its
 * connections (`resetAndDestroy`), as CPython's use a bare socket in a
 * thread. Large transfers are checked by SHA-256, never by timing.
 *
 * @packageDocumentation
 */
import { describe, expect } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { createServer as createNodeServer, type Server as NodeServer, type Socket as NodeSocket } from 'node:net';
import { gather, sleep, waitFor, wrapFuture } from '@loop/core';
import {
  CancelledError,
  IncompleteReadError,
  LimitOverrunError,
  RuntimeError,
  type Coroutine,
  type Future,
  type Server,
} from '@loop/interfaces';
import {
  StreamReader,
  StreamReaderProtocol,
  StreamWriter,
  openConnection,
  openUnixConnection,
  startServer,
  startUnixServer,
} from '@loop/net';
import { defineNetTest, type NetLoop, type NetLoopFactory, type NetTest } from './harness.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const DATA = b('line1\nline2\nline3\n');

/** The bytes still buffered in `reader` (read out: the reader is left empty). */
function buffered(reader: StreamReader): string {
  const m = /<StreamReader (\d+) bytes/.exec(reader.toString());
  if (m === null) return '';
  const f = reader.read(Number(m[1]));
  expect(f.done()).toBe(true);
  return f.result().toString('latin1');
}

/** The error `fut` failed with (runs the loop until it is done). */
async function failure(t: NetTest, fut: Future<unknown> | (() => PromiseLike<unknown>)): Promise<unknown> {
  try {
    await t.run(fut);
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

function sha256(data: Buffer | Buffer[]): string {
  const h = createHash('sha256');
  for (const d of Array.isArray(data) ? data : [data]) h.update(d);
  return h.digest('hex');
}

/** A plain node:net server that resets each connection once it has read `readBytes` bytes (0: at once). */
async function resettingServer(readBytes = 0): Promise<{ server: NodeServer; port: number }> {
  const server = createNodeServer((sock: NodeSocket) => {
    let got = 0;
    const reset = (): void => {
      sock.resetAndDestroy();
    };
    if (readBytes === 0) reset();
    else
      sock.on('data', (d: Buffer) => {
        got += d.length;
        if (got >= readBytes) reset();
      });
    sock.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

async function closeNodeServer(server: NodeServer): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** The port a server listens on. */
function portOf(server: Server): number {
  return (server.sockets[0].getsockname() as [string, number])[1];
}

/** An echo handler for `startServer`: echoes lines until EOF, then closes. */
async function echoLines(reader: StreamReader, writer: StreamWriter): Promise<void> {
  for await (const line of reader) {
    writer.write(line);
    await writer.drain();
  }
  writer.close();
  await writer.waitClosed();
}

/** The streams suite: `StreamReader` alone, then streams over TCP and Unix sockets. */
export function streamsSuite(newLoop: NetLoopFactory): void {
  describe('streams', () => {
    const it = defineNetTest(newLoop);

    describe('StreamReader', () => {
      it('feedData(): empty data is ignored; read(0) returns empty bytes and leaves the buffer', async (t) => {
        const stream = new StreamReader({ loop: t.loop });
        stream.feedData(b(''));
        expect(stream.toString()).toBe('<StreamReader>');
        stream.feedData(DATA);
        expect(stream.toString()).toBe('<StreamReader 18 bytes>');
        expect((await t.run(stream.read(0))).length).toBe(0);
        expect(buffered(stream)).toBe(DATA.toString());
        t.loop.close();
      });

      it('read(n) - waits for data fed later, then returns it', async (t) => {
        const loop = t.loop;
        const stream = new StreamReader({ loop });
        const task = loop.createTask(() => stream.read(30));
        loop.callSoon(() => stream.feedData(DATA));
        expect((await t.run(task)).toString()).toBe(DATA.toString());
        expect(buffered(stream)).toBe('');
        loop.close();
      });

      it('read(n) - a waiting read gets every chunk fed before its task wakes (asyncio reads the buffer on resuming)', async (t) => {
        const loop = t.loop;
        const stream = new StreamReader({ loop });
        const task = loop.createTask(() => stream.read(100));
        loop.callSoon(() => {
          stream.feedData(b('ab'));
          stream.feedData(b('cd'));
        });
        loop.callSoon(() => stream.feedData(b('ef')));
        expect((await t.run(task)).toString()).toBe('abcdef');
        loop.close();
      });

      it('read(n) - returns at most n bytes without line breaks in mind', async (t) => {
        const stream = new StreamReader({ loop: t.loop });
        stream.feedData(b('line1'));
        stream.feedData(b('line2'));
        expect((await t.run(stream.read(5))).toString()).toBe('line1');
        expect(buffered(stream)).toBe('line2');
        t.loop.close();
      });

      it('read(n) - returns empty bytes at EOF', async (t) => {
        const loop = t.loop;
        const stream = new StreamReader({ loop });
        const task = loop.createTask(() => stream.read(1024));
        loop.callSoon(() => stream.feedEof());
        expect((await t.run(task)).length).toBe(0);
        expect(stream.atEof()).toBe(true);
        loop.close();
      });

      it('read() - reads everything until EOF', async (t) => {
        const loop = t.loop;
        const stream = new StreamReader({ loop });
        const task = loop.createTask(() => stream.read());
        loop.callSoon(() => {
          stream.feedData(b('chunk1\n'));
          stream.feedData(b('chunk2'));
          stream.feedEof();
        });
        expect((await t.run(task)).toString()).toBe('chunk1\nchunk2');
        expect(buffered(stream)).toBe('');
        loop.close();
      });

      it('read(-1) - data fed over several iterations, far beyond the limit, is all returned', async (t) => {
        const loop = t.loop;
        const stream = new StreamReader({ loop, limit: 4 });
        const chunks = Array.from({ length: 20 }, (_, i) => b(`chunk-${i};`));
        const task = loop.createTask(() => stream.read(-1));
        const feed = function* (): Coroutine<void> {
          for (const c of chunks) {
            stream.feedData(c);
            yield* sleep(0);
          }
          stream.feedEof();
        };
        loop.createTask(feed);
        expect((await t.run(task)).toString()).toBe(Buffer.concat(chunks).toString());
        loop.close();
      });

      it('read() - fails with the exception set by setException(), after the data read before', async (t) => {
        const stream = new StreamReader({ loop: t.loop });
        stream.feedData(b('line\n'));
        expect((await t.run(stream.read(2))).toString()).toBe('li');
        const exc = new RangeError('boom');
        stream.setException(exc);
        expect(await failure(t, stream.read(2))).toBe(exc);
        t.loop.close();
      });

      it('constructor - a limit of 0 or less is a RangeError', (t) => {
        expect(() => new StreamReader({ limit: 0, loop: t.loop })).toThrow(RangeError);
        expect(() => new StreamReader({ limit: -1, loop: t.loop })).toThrow(/Limit cannot be <= 0/);
        t.loop.close();
        return Promise.resolve();
      });

      it('read(n) and readexactly(n) - are not bounded by the limit', async (t) => {
        const stream = new StreamReader({ limit: 3, loop: t.loop });
        stream.feedData(b('chunk'));
        expect((await t.run(stream.read(5))).toString()).toBe('chunk');
        stream.feedData(b('chunk'));
        expect((await t.run(stream.readexactly(5))).toString()).toBe('chunk');
        expect(buffered(stream)).toBe('');
        t.loop.close();
      });

      it('readline() - waits over several chunks and leaves what follows the newline', async (t) => {
        const loop = t.loop;
        const stream = new StreamReader({ loop });
        stream.feedData(b('chunk1 '));
        const task = loop.createTask(() => stream.readline());
        loop.callSoon(() => {
          stream.feedData(b('chunk2 '));
          stream.feedData(b('chunk3 '));
          stream.feedData(b('\n chunk4'));
        });
        expect((await t.run(task)).toString()).toBe('chunk1 chunk2 chunk3 \n');
        expect(buffered(stream)).toBe(' chunk4');
        loop.close();
      });

      it('readline() - over the limit with the data buffered: RangeError, the line (or the buffer) dropped', async (t) => {
        let stream = new StreamReader({ limit: 3, loop: t.loop });
        stream.feedData(b('li'));
        stream.feedData(b('ne1\nline2\n'));
        const e = await failure(t, stream.readline());
        expect(e).toBeInstanceOf(RangeError);
        expect((e as Error).message).toBe('Separator is found, but chunk is longer than limit');
        expect((e as Error).cause).toBeInstanceOf(LimitOverrunError);
        expect(buffered(stream)).toBe('line2\n');

        stream = new StreamReader({ limit: 3, loop: t.loop });
        stream.feedData(b('li'));
        stream.feedData(b('ne1'));
        stream.feedData(b('li'));
        expect(await failure(t, stream.readline())).toBeInstanceOf(RangeError);
        expect(buffered(stream)).toBe('');
        t.loop.close();
      });

      it('readline() - over the limit with data fed later (test_readline_limit)', async (t) => {
        const loop = t.loop;
        let stream = new StreamReader({ limit: 7, loop });
        let s = stream;
        loop.callSoon(() => {
          s.feedData(b('chunk1'));
          s.feedData(b('chunk2'));
          s.feedData(b('chunk3\n'));
          s.feedEof();
        });
        expect(await failure(t, () => s.readline())).toBeInstanceOf(RangeError);
        expect(buffered(stream)).toBe('');

        stream = s = new StreamReader({ limit: 7, loop });
        loop.callSoon(() => {
          s.feedData(b('chunk1'));
          s.feedData(b('chunk2\n'));
          s.feedData(b('chunk3\n'));
          s.feedEof();
        });
        expect(await failure(t, () => s.readline())).toBeInstanceOf(RangeError);
        expect(buffered(stream)).toBe('chunk3\n');

        // The limit is strict.
        stream = new StreamReader({ limit: 7, loop });
        stream.feedData(b('1234567\n'));
        expect((await t.run(stream.readline())).toString()).toBe('1234567\n');
        expect(buffered(stream)).toBe('');
        stream.feedData(b('12345678\n'));
        expect(await failure(t, stream.readline())).toBeInstanceOf(RangeError);
        expect(buffered(stream)).toBe('');
        stream.feedData(b('12345678'));
        expect(await failure(t, stream.readline())).toBeInstanceOf(RangeError);
        expect(buffered(stream)).toBe('');
        loop.close();
      });

      it('readline() - with the data buffered, returns the first line at once', async (t) => {
        const stream = new StreamReader({ loop: t.loop });
        stream.feedData(DATA.subarray(0, 6));
        stream.feedData(DATA.subarray(6));
        const f = stream.readline();
        expect(f.done()).toBe(true);
        expect(f.result().toString()).toBe('line1\n');
        expect((await t.run(stream.read(7))).toString()).toBe('line2\nl');
        expect(buffered(stream)).toBe('ine3\n');
        t.loop.close();
      });

      it('readline() - at EOF returns the incomplete last line, then empty bytes; atEof() follows the buffer', async (t) => {
        const stream = new StreamReader({ loop: t.loop });
        expect(stream.atEof()).toBe(false);
        stream.feedData(b('some data\n'));
        expect(stream.atEof()).toBe(false);
        await t.run(stream.readline());
        expect(stream.atEof()).toBe(false);
        stream.feedData(b('some data'));
        stream.feedEof();
        expect(stream.atEof()).toBe(false);
        expect((await t.run(stream.readline())).toString()).toBe('some data');
        expect(stream.atEof()).toBe(true);
        expect((await t.run(stream.readline())).length).toBe(0);
        t.loop.close();
      });

      it('readline() - fails with the exception set, and the buffer is not returned', async (t) => {
        const stream = new StreamReader({ loop: t.loop });
        stream.feedData(b('line\n'));
        expect((await t.run(stream.readline())).toString()).toBe('line\n');
        const exc = new Error('broken');
        stream.setException(exc);
        expect(await failure(t, stream.readline())).toBe(exc);
        expect(stream.exception()).toBe(exc);
        t.loop.close();
      });

      it('readuntil() - an empty separator (or list) is a RangeError; a string is a TypeError', async (t) => {
        const stream = new StreamReader({ loop: t.loop });
        expect(await failure(t, stream.readuntil(b('')))).toEqual(expect.objectContaining({ message: expect.stringMatching(/Separator should be at least one-byte string/) }));
        expect(await failure(t, stream.readuntil([]))).toBeInstanceOf(RangeError);
        expect(await failure(t, stream.readuntil('x' as unknown as Uint8Array))).toBeInstanceOf(TypeError);
        t.loop.close();
      });

      it('readuntil() - multi-byte separators across chunks (test_readuntil_multi_chunks*)', async (t) => {
        const stream = new StreamReader({ loop: t.loop });
        const aaa = b('aaa');
        const cases: [string[], string, string][] = [
          [['lineAAA'], 'lineAAA', ''],
          [['lineAAAxxx'], 'lineAAA', 'xxx'],
        ];
        for (const [feeds, want, left] of cases) {
          for (const f of feeds) stream.feedData(b(f));
          expect((await t.run(stream.readuntil(b('AAA')))).toString()).toBe(want);
          expect(buffered(stream)).toBe(left);
        }
        const cases1: string[][] = [['QWEaa', 'XYaa', 'a'], ['QWEaa', 'XYa', 'aa'], ['aaa'], ['Xaaa'], ['XXX', 'a', 'a', 'a']];
        const wants = ['QWEaaXYaaa', 'QWEaaXYaaa', 'aaa', 'Xaaa', 'XXXaaa'];
        for (const [i, feeds] of cases1.entries()) {
          for (const f of feeds) stream.feedData(b(f));
          expect((await t.run(stream.readuntil(aaa))).toString()).toBe(wants[i]);
          expect(buffered(stream)).toBe('');
        }
        t.loop.close();
      });

      it('readuntil() - a separator arriving byte by byte while the read waits', async (t) => {
        const loop = t.loop;
        const stream = new StreamReader({ loop });
        const task = loop.createTask(() => stream.readuntil(b('\r\n\r\n')));
        const feed = function* (): Coroutine<void> {
          for (const c of 'HTTP/1.0 200 OK\r\nA: b\r\n\r\nbody') {
            stream.feedData(b(c));
            yield* sleep(0);
          }
        };
        loop.createTask(feed);
        expect((await t.run(task)).toString()).toBe('HTTP/1.0 200 OK\r\nA: b\r\n\r\n');
        await t.run(() => sleep(0.01));
        expect(buffered(stream)).toBe('body');
        loop.close();
      });

      it('readuntil() - at EOF without the separator: IncompleteReadError with the partial data, buffer emptied', async (t) => {
        const stream = new StreamReader({ loop: t.loop });
        stream.feedData(b('some dataAA'));
        stream.feedEof();
        const e = (await failure(t, stream.readuntil(b('AAA')))) as IncompleteReadError;
        expect(e).toBeInstanceOf(IncompleteReadError);
        expect(e.message).toMatch(/undefined expected bytes/);
        expect(e.partial.toString()).toBe('some dataAA');
        expect(e.expected).toBeNull();
        expect(buffered(stream)).toBe('');
        t.loop.close();
      });

      it('readuntil() - over the limit: LimitOverrunError with consumed, the buffer left as is', async (t) => {
        const stream = new StreamReader({ loop: t.loop, limit: 3 });
        stream.feedData(b('some dataAA'));
        let e = (await failure(t, stream.readuntil(b('AAA')))) as LimitOverrunError;
        expect(e).toBeInstanceOf(LimitOverrunError);
        expect(e.message).toMatch(/not found/);
        expect(e.consumed).toBe(9);
        expect(stream.toString()).toBe('<StreamReader 11 bytes limit=3>');
        stream.feedData(b('A'));
        e = (await failure(t, stream.readuntil(b('AAA')))) as LimitOverrunError;
        expect(e.message).toMatch(/is found/);
        expect(e.consumed).toBe(9);
        expect(buffered(stream)).toBe('some dataAAA');
        t.loop.close();
      });

      it('readuntil([...]) - several separators: the match that ends first wins', async (t) => {
        const stream = new StreamReader({ loop: t.loop });
        stream.feedData(b('ab\r\ncd\nef'));
        expect((await t.run(stream.readuntil([b('\r\n'), b('\n')]))).toString()).toBe('ab\r\n');
        expect((await t.run(stream.readuntil([b('\r\n'), b('\n')]))).toString()).toBe('cd\n');
        stream.feedData(b('--x'));
        expect((await t.run(stream.readuntil([b('x'), b('f--')]))).toString()).toBe('ef--');
        expect(buffered(stream)).toBe('x');
        t.loop.close();
      });

      it('readexactly() - 0 returns empty bytes; a negative size is a RangeError; the buffer is kept', async (t) => {
        const stream = new StreamReader({ loop: t.loop });
        stream.feedData(DATA);
        expect((await t.run(stream.readexactly(0))).length).toBe(0);
        expect(await failure(t, stream.readexactly(-1))).toEqual(expect.objectContaining({ message: expect.stringMatching(/less than zero/) }));
        expect(buffered(stream)).toBe(DATA.toString());
        t.loop.close();
      });

      it('readexactly() - waits for enough data and leaves the rest', async (t) => {
        const loop = t.loop;
        const stream = new StreamReader({ loop });
        const task = loop.createTask(() => stream.readexactly(2 * DATA.length));
        loop.callSoon(() => {
          stream.feedData(DATA);
          stream.feedData(DATA);
          stream.feedData(DATA);
        });
        expect((await t.run(task)).toString()).toBe(DATA.toString() + DATA.toString());
        expect(buffered(stream)).toBe(DATA.toString());
        loop.close();
      });

      it('readexactly() - at EOF: IncompleteReadError with partial and expected, asyncio\'s message', async (t) => {
        const loop = t.loop;
        const stream = new StreamReader({ loop });
        const n = 2 * DATA.length;
        const task = loop.createTask(() => stream.readexactly(n));
        loop.callSoon(() => {
          stream.feedData(DATA);
          stream.feedEof();
        });
        const e = (await failure(t, task)) as IncompleteReadError;
        expect(e).toBeInstanceOf(IncompleteReadError);
        expect(e.partial.toString()).toBe(DATA.toString());
        expect(e.expected).toBe(n);
        expect(e.message).toBe('18 bytes read on a total of 36 expected bytes');
        expect(buffered(stream)).toBe('');
        loop.close();
      });

      it('readexactly() - fails with the exception set', async (t) => {
        const stream = new StreamReader({ loop: t.loop });
        stream.feedData(b('line\n'));
        expect((await t.run(stream.readexactly(2))).toString()).toBe('li');
        const exc = new Error('x');
        stream.setException(exc);
        expect(await failure(t, stream.readexactly(2))).toBe(exc);
        t.loop.close();
      });

      it('setException() - wakes a waiting read with the exception', async (t) => {
        const loop = t.loop;
        const stream = new StreamReader({ loop });
        expect(stream.exception()).toBeNull();
        const t1 = loop.createTask(() => stream.readline());
        const exc = new Error('set while waiting');
        const t2 = loop.createTask(function* (): Coroutine<void> {
          stream.setException(exc);
        });
        await t.run(gather(t1, t2, { returnExceptions: true }));
        expect(() => t1.result()).toThrow(exc);
        loop.close();
      });

      it('setException() - after the waiting read was cancelled, touches nothing', async (t) => {
        const loop = t.loop;
        const stream = new StreamReader({ loop });
        const task = loop.createTask(function* (): Coroutine<Buffer> {
          return yield* stream.readline();
        });
        await t.run(() => sleep(0));
        task.cancel();
        await t.run(() => sleep(0));
        stream.setException(new RuntimeError('message'));
        await t.run(() => gather(task, { returnExceptions: true }));
        expect(task.cancelled()).toBe(true);
        expect(stream.toString()).not.toMatch(/waiter/);
        loop.close();
      });

      it('one waiter at a time: a second read that must wait fails with RuntimeError', async (t) => {
        const loop = t.loop;
        const stream = new StreamReader({ loop });
        const first = stream.readline();
        const e = await failure(t, stream.read(10));
        expect(e).toBeInstanceOf(RuntimeError);
        expect((e as Error).message).toBe('StreamReader.read() called while another coroutine is already waiting for incoming data');
        // A read that the buffer answers does not wait, so it does not conflict (as in asyncio).
        stream.feedData(b('x'));
        stream.feedData(b('y\n'));
        expect((await t.run(first)).toString()).toBe('xy\n');
        loop.close();
      });

      it('cancelling a waiting read leaves the buffer whole for the next read', async (t) => {
        const loop = t.loop;
        const stream = new StreamReader({ loop });
        stream.feedData(b('partial '));
        const e = await failure(t, () => waitFor(stream.readline(), 0.01));
        expect((e as Error).name).toBe('TimeoutError');
        stream.feedData(b('line\n'));
        expect((await t.run(stream.readline())).toString()).toBe('partial line\n');
        loop.close();
      });

      it('cancelling a task after data woke its read but before it resumed: CancelledError, nothing consumed', async (t) => {
        const loop = t.loop;
        const stream = new StreamReader({ loop });
        const gen = loop.createTask(function* (): Coroutine<Buffer> {
          return yield* stream.readexactly(3);
        });
        await t.run(() => sleep(0));
        const results: unknown[] = [];
        await t.run(async () => {
          loop.callSoon(() => {
            stream.feedData(b('abcdef'));
            gen.cancel('stop');
          });
          try {
            await gen;
          } catch (e) {
            results.push(e);
          }
        });
        expect(results[0]).toBeInstanceOf(CancelledError);
        expect((results[0] as Error).message).toBe('stop');
        expect(buffered(stream)).toBe('abcdef');

        const asyncTask = loop.createTask(async () => stream.read(2));
        await t.run(() => sleep(0));
        await t.run(async () => {
          loop.callSoon(() => {
            stream.feedData(b('gh'));
            asyncTask.cancel();
          });
          await gather(asyncTask, { returnExceptions: true });
        });
        expect(asyncTask.cancelled()).toBe(true);
        expect(buffered(stream)).toBe('gh');
        loop.close();
      });

      it('for await - iterates over lines and ends at EOF', async (t) => {
        const loop = t.loop;
        const stream = new StreamReader({ loop });
        loop.callSoon(() => {
          stream.feedData(b('a\nb'));
          stream.feedData(b('\nc'));
          stream.feedEof();
        });
        const lines = await t.run(async () => {
          const got: string[] = [];
          for await (const line of stream) got.push(line.toString());
          return got;
        });
        expect(lines).toEqual(['a\n', 'b\n', 'c']);
        loop.close();
      });

      it('yield* in a coroutine and await in an async function read the same', async (t) => {
        const loop = t.loop;
        const stream = new StreamReader({ loop });
        loop.callSoon(() => stream.feedData(b('one\ntwo\nthree\n')));
        const viaYield = await t.run(function* (): Coroutine<string[]> {
          const line = yield* stream.readline();
          const four = yield* stream.readexactly(4);
          return [line.toString(), four.toString()];
        });
        const viaAwait = await t.run(async () => [(await stream.readuntil(b('e'))).toString(), (await stream.read(10)).toString()]);
        expect(viaYield).toEqual(['one\n', 'two\n']);
        expect(viaAwait).toEqual(['thre', 'e\n']);
        loop.close();
      });

      it('a read completes in the iteration after the feed, as asyncio\'s task wakes', async (t) => {
        const loop = t.loop;
        const stream = new StreamReader({ loop });
        const trace: string[] = [];
        const reader = loop.createTask(function* (): Coroutine<void> {
          trace.push('wait');
          const line = yield* stream.readline();
          trace.push(`got ${line.toString().trim()}`);
        });
        const ticker = loop.createTask(function* (): Coroutine<void> {
          for (let i = 0; i < 4; i++) {
            trace.push(`tick ${i}`);
            if (i === 1) stream.feedData(b('x\n'));
            yield* sleep(0);
          }
        });
        await t.run(gather(reader, ticker));
        // asyncio: ['wait', 'tick 0', 'tick 1', 'got x', 'tick 2', 'tick 3']
        expect(trace).toEqual(['wait', 'tick 0', 'tick 1', 'got x', 'tick 2', 'tick 3']);
        loop.close();
      });

      it('toString() - asyncio\'s repr', (t) => {
        const stream = new StreamReader({ loop: t.loop, limit: 123 });
        expect(stream.toString()).toBe('<StreamReader limit=123>');
        stream.feedData(b('data'));
        stream.feedEof();
        expect(stream.toString()).toBe('<StreamReader 4 bytes eof limit=123>');
        stream.setException(new RangeError('x'));
        expect(stream.toString()).toBe('<StreamReader 4 bytes eof limit=123 exception=RangeError("x")>');
        const w = new StreamReader({ loop: t.loop });
        const f = w.read(1);
        expect(w.toString()).toMatch(/^<StreamReader waiter=<StreamFuture pending/);
        f.cancel();
        t.loop.close();
        return Promise.resolve();
      });
    });

    describe('openConnection / startServer', () => {
      for (const host of ['127.0.0.1', '::1']) {
        it(`echo over ${host}: a coroutine handler and a plain callback handler`, async (t) => {
          const client = async (port: number): Promise<string> => {
            const [reader, writer] = await openConnection(host, port);
            writer.write(b('hello world!\n'));
            const back = await reader.readline();
            writer.close();
            await writer.waitClosed();
            return back.toString();
          };
          const handle = async (reader: StreamReader, writer: StreamWriter): Promise<void> => {
            const data = await reader.readline();
            writer.write(data);
            await writer.drain();
            writer.close();
            await writer.waitClosed();
          };
          await t.run(async () => {
            let server = await startServer(handle, host, 0);
            expect(await client(portOf(server))).toBe('hello world!\n');
            server.close();
            await server.waitClosed();

            const loop = t.loop;
            server = await startServer((r, w) => void loop.createTask(() => handle(r, w)), host, 0);
            expect(await client(portOf(server))).toBe('hello world!\n');
            server.close();
            await server.waitClosed();
          });
          t.loop.close();
        });
      }

      it('generator coroutines: a generator handler and yield* openConnection()', async (t) => {
        const got = await t.run(function* (): Coroutine<string[]> {
          const server = yield* startServer(function* (reader: StreamReader, writer: StreamWriter): Coroutine<void> {
            for (;;) {
              const line = yield* reader.readline();
              if (line.length === 0) break;
              writer.write(Buffer.from(line.toString().toUpperCase()));
              yield* writer.drain();
            }
            writer.close();
          }, '127.0.0.1', 0);
          const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server));
          const out: string[] = [];
          for (const word of ['alpha\n', 'beta\n']) {
            writer.write(b(word));
            yield* writer.drain();
            out.push((yield* reader.readline()).toString());
          }
          writer.writeEof();
          out.push(String((yield* reader.read()).length));
          writer.close();
          yield* writer.waitClosed();
          server.close();
          yield* wrapFuture(server.waitClosed());
          return out;
        });
        expect(got).toEqual(['ALPHA\n', 'BETA\n', '0']);
        t.loop.close();
      });

      it('many lines echoed with for await; the writer stays open after the peer\'s EOF', async (t) => {
        const lines = Array.from({ length: 500 }, (_, i) => `line number ${i}\n`);
        const got = await t.run(async () => {
          const server = await startServer(echoLines, '127.0.0.1', 0);
          const [reader, writer] = await openConnection('127.0.0.1', portOf(server));
          expect(writer.canWriteEof()).toBe(true);
          for (const l of lines) writer.write(b(l));
          await writer.drain();
          writer.writeEof();
          const all = await reader.read();
          expect(reader.atEof()).toBe(true);
          writer.close();
          await writer.waitClosed();
          server.close();
          await server.waitClosed();
          return all.toString();
        });
        expect(got).toBe(lines.join(''));
        t.loop.close();
      });

      it('getExtraInfo(), transport, isClosing(), close() and waitClosed()', async (t) => {
        await t.run(async () => {
          const server = await startServer(echoLines, '127.0.0.1', 0);
          const port = portOf(server);
          const [reader, writer] = await openConnection('127.0.0.1', port);
          const peer = writer.getExtraInfo('peername') as [string, number];
          expect(peer).toEqual(['127.0.0.1', port]);
          expect(writer.getExtraInfo('nonexistent', 'dflt')).toBe('dflt');
          expect(writer.transport.getExtraInfo('peername')).toEqual(peer);
          expect(writer.toString()).toMatch(/^<StreamWriter transport=.* reader=<StreamReader/);
          expect(writer.isClosing()).toBe(false);
          writer.close();
          expect(writer.isClosing()).toBe(true);
          await writer.waitClosed();
          expect(reader.atEof()).toBe(true);
          expect((await reader.read()).length).toBe(0);
          server.close();
          await server.waitClosed();
        });
        t.loop.close();
      });

      it('100 concurrent clients, each echoed line by line through writelines() and drain()', async (t) => {
        const results = await t.run(
          async () => {
            const server = await startServer(echoLines, '127.0.0.1', 0, { backlog: 200 });
            const port = portOf(server);
            const client = async (i: number): Promise<boolean> => {
              const [reader, writer] = await openConnection('127.0.0.1', port);
              const lines = Array.from({ length: 20 }, (_, k) => b(`client ${i} line ${k}\n`));
              writer.writelines(lines);
              await writer.drain();
              writer.writeEof();
              const back = await reader.read();
              writer.close();
              await writer.waitClosed();
              return back.equals(Buffer.concat(lines));
            };
            const ok = await gather(...Array.from({ length: 100 }, (_, i) => client(i)));
            server.close();
            await server.waitClosed();
            return ok;
          },
          { seconds: 30 },
        );
        expect(results.every(Boolean)).toBe(true);
        t.loop.close();
      });

      it('in debug mode too: an echo round trip', async (t) => {
        const loop = t.newLoop({ debug: true });
        expect(loop.getDebug()).toBe(true);
        const line = await t.run(
          async () => {
            const server = await startServer(echoLines, '127.0.0.1', 0);
            const [reader, writer] = await openConnection('127.0.0.1', portOf(server));
            writer.write(b('debug\n'));
            const got = await reader.readline();
            writer.close();
            await writer.waitClosed();
            server.close();
            await server.waitClosed();
            return got.toString();
          },
          { loop },
        );
        expect(line).toBe('debug\n');
        loop.close();
      });

      it('bad arguments fail the future: a limit of 0 (RangeError), a callback that is not a function (TypeError)', async (t) => {
        const [e1, e2] = await t.run(async () => {
          const errs: unknown[] = [];
          for (const f of [() => openConnection('127.0.0.1', 1, { limit: 0 }), () => startServer(42 as unknown as () => void, '127.0.0.1', 0)]) {
            try {
              await f();
            } catch (e) {
              errs.push(e);
            }
          }
          return errs;
        });
        expect(e1).toBeInstanceOf(RangeError);
        expect(e2).toBeInstanceOf(TypeError);
        t.loop.close();
      });

      // docs/asyncio-mapping.md, "Options objects": null is no options; another non-object fails the future
      // with a coded TypeError; the functions never throw for it.
      it('null options are no options; a non-object fails the future with a coded TypeError', async (t) => {
        const path = t.path('null.sock');
        await t.run(async () => {
          const server = await startServer(echoLines, '127.0.0.1', 0, null);
          const [reader, writer] = await openConnection('127.0.0.1', portOf(server), null);
          writer.write(b('tcp\n'));
          expect((await reader.readline()).toString()).toBe('tcp\n');
          const unixServer = await startUnixServer(echoLines, path, null);
          const [ureader, uwriter] = await openUnixConnection(path, null);
          uwriter.write(b('unix\n'));
          expect((await ureader.readline()).toString()).toBe('unix\n');
          expect(new StreamReader(null).limit).toBe(2 ** 16);
          const five = 5 as unknown as null;
          const failing: [string, () => Future<unknown>][] = [
            ['openConnection', () => openConnection('127.0.0.1', portOf(server), five)],
            ['startServer', () => startServer(echoLines, '127.0.0.1', 0, five)],
            ['openUnixConnection', () => openUnixConnection(path, five)],
            ['startUnixServer', () => startUnixServer(echoLines, path, five)],
            ['StreamWriter.startTls', () => writer.startTls(t.clientTls(), five)],
          ];
          for (const [name, f] of failing) {
            let fut: Future<unknown> | undefined;
            expect(() => {
              fut = f();
            }).not.toThrow();
            const err = await fut!.then(
              () => null,
              (e: unknown) => e,
            );
            expect(err).toBeInstanceOf(TypeError);
            expect(err).toMatchObject({ code: 'ERR_LOOP_INVALID_ARG', message: `${name}(): options must be an object, null or undefined, not 5` });
          }
          expect(() => new StreamReader(five)).toThrow(expect.objectContaining({ code: 'ERR_LOOP_INVALID_ARG' }));
          for (const w of [writer, uwriter]) {
            w.close();
            await w.waitClosed();
          }
          for (const srv of [server, unixServer]) {
            srv.close();
            await srv.waitClosed();
          }
        });
        t.loop.close();
      });

      // asyncio's start_server(cb, host, port, limit=n): each connection's reader gets the limit; a line longer
      // than it makes readline() raise ValueError (RangeError here) and drops the line.
      it('startServer({ limit }) gives each connection\'s reader that limit; a longer line is a RangeError', async (t) => {
        const got = await t.run(async () => {
          const seen: unknown[] = [];
          const server = await startServer(
            async (reader: StreamReader, writer: StreamWriter) => {
              seen.push(reader.limit);
              try {
                await reader.readline();
              } catch (e) {
                seen.push(e);
              }
              seen.push((await reader.readline()).toString());
              writer.write(b('done\n'));
              writer.close();
              await writer.waitClosed();
            },
            '127.0.0.1',
            0,
            { limit: 8 },
          );
          const [reader, writer] = await openConnection('127.0.0.1', portOf(server));
          writer.write(b('a line longer than eight bytes\nshort\n'));
          expect((await reader.readline()).toString()).toBe('done\n');
          writer.close();
          await writer.waitClosed();
          server.close();
          await server.waitClosed();
          return seen;
        });
        expect(got[0]).toBe(8);
        expect(got[1]).toBeInstanceOf(RangeError);
        // One write of 38 bytes arrives as one chunk: the separator is in the buffer, so the line is dropped.
        expect((got[1] as Error).message).toBe('Separator is found, but chunk is longer than limit');
        expect(got[2]).toBe('short\n');
        t.loop.close();
      });

      it('cancelling openConnection() while it connects leaves no connection behind', async (t) => {
        await t.run(async () => {
          const server = await startServer(echoLines, '127.0.0.1', 0);
          const fut = openConnection('127.0.0.1', portOf(server));
          fut.cancel();
          expect(fut.cancelled()).toBe(true);
          // Let the connection complete; the late transport is aborted.
          await sleep(0.05);
          server.close();
          await server.waitClosed();
        });
        t.loop.close();
      });

      it('drain() - many writers wait while the protocol is paused, and all go on at resumeWriting() (test_multiple_drain)', async (t) => {
        const loop: NetLoop = t.loop;
        const drained = await t.run(async () => {
          const server = await startServer(echoLines, '127.0.0.1', 0);
          const reader = new StreamReader({ loop });
          const protocol = new StreamReaderProtocol(reader, null, loop);
          const [transport] = await loop.createConnection(() => protocol, '127.0.0.1', portOf(server));
          const writer = new StreamWriter(transport, protocol, reader, loop);
          protocol.pauseWriting();
          loop.callLater(0.01, () => protocol.resumeWriting());
          let count = 0;
          const drains = Array.from({ length: 10 }, () => writer.drain());
          expect(drains.every((d) => !d.done())).toBe(true);
          await gather(...drains.map(async (d) => {
            await d;
            count++;
          }));
          writer.close();
          await writer.waitClosed();
          server.close();
          await server.waitClosed();
          return count;
        });
        expect(drained).toBe(10);
        loop.close();
      });

      it('close() with unread data, then waitClosed() (test_wait_closed_on_close_with_unread_data)', async (t) => {
        await t.run(async () => {
          const server = await startServer(async (r: StreamReader, w: StreamWriter) => {
            w.write(b('HTTP/1.0 200 OK\r\n\r\nTest message'));
            await w.drain();
            // The client's close comes as EOF; eofReceived() kept this side open: close it.
            await r.read();
            w.close();
          }, '127.0.0.1', 0);
          const [reader, writer] = await openConnection('127.0.0.1', portOf(server));
          expect((await reader.readline()).toString()).toBe('HTTP/1.0 200 OK\r\n');
          writer.close();
          await writer.waitClosed();
          server.close();
          await server.waitClosed();
        });
        t.loop.close();
      });

      it('write() of a string is a TypeError', async (t) => {
        await t.run(async () => {
          const server = await startServer(echoLines, '127.0.0.1', 0);
          const [, writer] = await openConnection('127.0.0.1', portOf(server));
          expect(() => writer.write('text' as unknown as Uint8Array)).toThrow(TypeError);
          writer.close();
          await writer.waitClosed();
          server.close();
          await server.waitClosed();
        });
        t.loop.close();
      });

      it('a refused connection fails the future with ECONNREFUSED', async (t) => {
        const { server, port } = await resettingServer();
        await closeNodeServer(server);
        const e = await failure(t, () => openConnection('127.0.0.1', port));
        expect((e as { code?: string }).code).toBe('ECONNREFUSED');
        t.loop.close();
      });

      it('openConnection() outside a running loop throws RuntimeError', (t) => {
        expect(() => openConnection('127.0.0.1', 1)).toThrow(/no running event loop/);
        t.loop.close();
        return Promise.resolve();
      });

      it('an exception in the handler goes to the exception handler and closes the connection', async (t) => {
        const calls = t.expectExceptionHandlerCalls();
        const boom = new Error('test');
        await t.run(async () => {
          // The handler reads the client's message before it fails: a socket
          // closed with unread data resets the connection (RST), and the
          // client's read would race the close.
          const server = await startServer(async (r: StreamReader) => {
            await r.readexactly(8);
            throw boom;
          }, '127.0.0.1', 0);
          const [reader, writer] = await openConnection('127.0.0.1', portOf(server));
          writer.write(b('test msg'));
          await writer.drain();
          expect((await reader.read()).length).toBe(0);
          writer.close();
          await writer.waitClosed();
          server.close();
          await server.waitClosed();
        });
        expect(calls.map((c) => c.message)).toEqual(['Unhandled exception in client_connected_cb']);
        expect(calls[0].exception).toBe(boom);
        expect(calls[0].transport).toBeDefined();
        t.loop.close();
      });

      it('drain() with a slow peer: writing pauses, then resumes; 8 MiB arrive intact (SHA-256)', async (t) => {
        const payload = randomBytes(8 * 1024 * 1024);
        const result = await t.run(
          async () => {
            let digest = '';
            let serverDone!: () => void;
            const served = new Promise<void>((resolve) => (serverDone = resolve));
            const server = await startServer(async (reader: StreamReader, writer: StreamWriter) => {
              const h = createHash('sha256');
              let n = 0;
              for (;;) {
                const chunk = await reader.read(16 * 1024);
                if (chunk.length === 0) break;
                h.update(chunk);
                n += chunk.length;
                // A slow reader: a pause now and then lets the sender's buffer fill.
                if (n % (256 * 1024) < 16 * 1024) await sleep(0.002);
              }
              digest = h.digest('hex');
              writer.write(b(`${n}\n`));
              await writer.drain();
              writer.close();
              await writer.waitClosed();
              serverDone();
            }, '127.0.0.1', 0, { limit: 8 * 1024 });
            const [reader, writer] = await openConnection('127.0.0.1', portOf(server));
            let waited = 0;
            for (let i = 0; i < payload.length; i += 64 * 1024) {
              writer.write(payload.subarray(i, i + 64 * 1024));
              const d = writer.drain();
              if (!d.done()) waited++;
              await d;
            }
            writer.writeEof();
            const count = (await reader.readline()).toString();
            writer.close();
            await writer.waitClosed();
            await served;
            server.close();
            await server.waitClosed();
            return { digest, count, waited };
          },
          { seconds: 60 },
        );
        expect(result.count).toBe(`${payload.length}\n`);
        expect(result.digest).toBe(sha256(payload));
        expect(result.waited).toBeGreaterThan(0);
        t.loop.close();
      }, { timeout: 90000 });

      it('a reader that does not read pauses the transport (2 * limit) and resumes it when read (limit)', async (t) => {
        const payload = randomBytes(1024 * 1024);
        const got = await t.run(
          async () => {
            const server = await startServer(async (_reader: StreamReader, writer: StreamWriter) => {
              writer.write(payload);
              await writer.drain();
              writer.close();
              await writer.waitClosed();
            }, '127.0.0.1', 0);
            const [reader, writer] = await openConnection('127.0.0.1', portOf(server), { limit: 4096 });
            // Let data arrive without reading: the reader pauses the transport.
            while (writer.transport.isReading()) await sleep(0.001);
            expect(reader.toString()).toMatch(/ paused>$/);
            const parts: Buffer[] = [];
            for (;;) {
              const chunk = await reader.read(1000);
              if (chunk.length === 0) break;
              parts.push(chunk);
            }
            writer.close();
            await writer.waitClosed();
            server.close();
            await server.waitClosed();
            return parts;
          },
          { seconds: 30 },
        );
        expect(sha256(got)).toBe(sha256(payload));
        t.loop.close();
      });

      it('readexactly() of more than 2 * limit does not deadlock on a paused transport', async (t) => {
        const payload = randomBytes(300 * 1024);
        const got = await t.run(async () => {
          const server = await startServer(async (_reader: StreamReader, writer: StreamWriter) => {
            writer.write(payload);
            await writer.drain();
            writer.close();
          }, '127.0.0.1', 0);
          const [reader, writer] = await openConnection('127.0.0.1', portOf(server), { limit: 1024 });
          const data = await reader.readexactly(payload.length);
          writer.close();
          await writer.waitClosed();
          server.close();
          await server.waitClosed();
          return data;
        });
        expect(sha256(got)).toBe(sha256(payload));
        t.loop.close();
      });

      it('a connection reset by the peer: a waiting read fails with ECONNRESET, and so does waitClosed()', async (t) => {
        const { server, port } = await resettingServer(5);
        try {
          const [readErr, closedErr] = await t.run(async () => {
            const [reader, writer] = await openConnection('127.0.0.1', port);
            writer.write(b('hello'));
            let readErr: unknown = null;
            try {
              await reader.read();
            } catch (e) {
              readErr = e;
            }
            let closedErr: unknown = null;
            try {
              await writer.waitClosed();
            } catch (e) {
              closedErr = e;
            }
            writer.close();
            return [readErr, closedErr];
          });
          expect((readErr as { code?: string }).code).toBe('ECONNRESET');
          expect(closedErr).toBe(readErr);
        } finally {
          t.loop.close();
          await closeNodeServer(server);
        }
      });

      it('drain() after the peer reset the connection raises instead of looping forever (test_drain_raises)', async (t) => {
        const { server, port } = await resettingServer();
        try {
          const e = await failure(t, async () => {
            const [, writer] = await openConnection('127.0.0.1', port);
            try {
              for (;;) {
                writer.write(b('foo\n'));
                await writer.drain();
              }
            } finally {
              writer.close();
            }
          });
          expect(['ECONNRESET', 'EPIPE', 'ECONNABORTED']).toContain((e as { code?: string }).code);
        } finally {
          t.loop.close();
          await closeNodeServer(server);
        }
      });

      it('write() and drain() after close(): drain() fails with ECONNRESET (Connection lost)', async (t) => {
        const e = await failure(t, async () => {
          const server = await startServer(echoLines, '127.0.0.1', 0);
          try {
            const [, writer] = await openConnection('127.0.0.1', portOf(server));
            writer.close();
            try {
              for (let i = 0; i < 100; i++) {
                writer.write(b('data'));
                await writer.drain();
              }
            } finally {
              await writer.waitClosed();
            }
          } finally {
            server.close();
            await server.waitClosed();
          }
        });
        expect((e as { code?: string; message?: string }).code).toBe('ECONNRESET');
        t.loop.close();
      });

      it('StreamWriter.startTls(): both sides upgrade a plain connection and go on in TLS', async (t) => {
        const serverCtx = t.serverTls();
        const clientCtx = t.clientTls();
        const [msg1, msg2, sslClient, sslServer] = await t.run(async () => {
          let sslServer: unknown = 'unset';
          const server = await startServer(async (reader: StreamReader, writer: StreamWriter) => {
            const data1 = await reader.readline();
            writer.write(data1);
            await writer.drain();
            expect(writer.getExtraInfo('sslcontext')).toBeNull();
            await writer.startTls(serverCtx);
            sslServer = writer.getExtraInfo('sslcontext');
            const data2 = await reader.readline();
            writer.write(data2);
            await writer.drain();
            writer.close();
            await writer.waitClosed();
          }, '127.0.0.1', 0);
          const [reader, writer] = await openConnection('127.0.0.1', portOf(server));
          writer.write(b('hello world 1!\n'));
          await writer.drain();
          const msg1 = await reader.readline();
          expect(writer.getExtraInfo('sslcontext')).toBeNull();
          await writer.startTls(clientCtx, { serverHostname: 'localhost' });
          const sslClient = writer.getExtraInfo('sslcontext');
          writer.write(b('hello world 2!\n'));
          await writer.drain();
          const msg2 = await reader.readline();
          writer.close();
          await writer.waitClosed();
          server.close();
          await server.waitClosed();
          return [msg1.toString(), msg2.toString(), sslClient, sslServer];
        });
        expect(msg1).toBe('hello world 1!\n');
        expect(msg2).toBe('hello world 2!\n');
        expect(sslClient).not.toBeNull();
        expect(sslServer).not.toBeNull();
        t.loop.close();
      });

      it('a StreamReaderProtocol made by hand over createConnection()', async (t) => {
        const loop: NetLoop = t.loop;
        const line = await t.run(async () => {
          const server = await startServer(echoLines, '127.0.0.1', 0);
          const reader = new StreamReader({ loop });
          const protocol = new StreamReaderProtocol(reader, null, loop);
          const [transport] = await loop.createConnection(() => protocol, '127.0.0.1', portOf(server));
          const writer = new StreamWriter(transport, protocol, reader, loop);
          writer.write(b('by hand\n'));
          const got = await reader.readline();
          writer.close();
          await writer.waitClosed();
          server.close();
          await server.waitClosed();
          return got.toString();
        });
        expect(line).toBe('by hand\n');
        loop.close();
      });
    });

    describe('openUnixConnection / startUnixServer', () => {
      it('echo over a Unix socket, with both handler kinds', async (t) => {
        const path = t.path('streams.sock');
        await t.run(async () => {
          for (const kind of ['coroutine', 'callback'] as const) {
            const handle = async (reader: StreamReader, writer: StreamWriter): Promise<void> => {
              const data = await reader.readline();
              writer.write(data);
              await writer.drain();
              writer.close();
              await writer.waitClosed();
            };
            const loop = t.loop;
            const server = await startUnixServer(kind === 'coroutine' ? handle : (r, w) => void loop.createTask(() => handle(r, w)), path);
            const [reader, writer] = await openUnixConnection(path);
            writer.write(b('hello world!\n'));
            expect((await reader.readline()).toString()).toBe('hello world!\n');
            writer.close();
            await writer.waitClosed();
            server.close();
            await server.waitClosed();
          }
        });
        t.loop.close();
      });

      it('a large transfer over a Unix socket with flow control both ways (SHA-256)', async (t) => {
        const path = t.path('big.sock');
        const payload = randomBytes(4 * 1024 * 1024);
        const back = await t.run(
          async () => {
            const server = await startUnixServer(async (reader: StreamReader, writer: StreamWriter) => {
              for (;;) {
                const chunk = await reader.read(32 * 1024);
                if (chunk.length === 0) break;
                writer.write(chunk);
                await writer.drain();
              }
              writer.close();
            }, path, { limit: 16 * 1024 });
            const [reader, writer] = await openUnixConnection(path, { limit: 16 * 1024 });
            const sender = (async () => {
              for (let i = 0; i < payload.length; i += 100 * 1024) {
                writer.write(payload.subarray(i, i + 100 * 1024));
                await writer.drain();
              }
              writer.writeEof();
            })();
            const got = await reader.read();
            await sender;
            writer.close();
            await writer.waitClosed();
            server.close();
            await server.waitClosed();
            return got;
          },
          { seconds: 60 },
        );
        expect(back.length).toBe(payload.length);
        expect(sha256(back)).toBe(sha256(payload));
        t.loop.close();
      }, { timeout: 90000 });
    });
  });
}
