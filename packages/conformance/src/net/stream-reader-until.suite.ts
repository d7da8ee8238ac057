/**
 * `StreamReader` on its own, part 2 (asyncio's `test_streams`):
 * `readuntil()`, `readexactly()`, `setException()`, one waiter at a time,
 * cancellation of a waiting read, `for await`, both coroutine kinds, when a
 * read completes, and the repr.
 *
 * HOW: as part 1 (`stream-reader.suite.ts`), CPython's cases fed by hand.
 *
 * @packageDocumentation
 */
import { expect } from 'expect';
import { describe } from '../runner.js';
import { gather, sleep, waitFor } from '@loop/core';
import { CancelledError, IncompleteReadError, LimitOverrunError, RuntimeError, type Coroutine } from '@loop/interfaces';
import { StreamReader } from '@loop/net';
import { defineNetTest, type NetLoopFactory } from './harness.js';
import { b, DATA, buffered, failure } from './streams-helpers.js';

/** The `StreamReader` suite, part 2: `readuntil`, `readexactly`, errors and waiters. */
export function streamReaderUntilSuite(newLoop: NetLoopFactory): void {
  describe('streams', () => {
    const it = defineNetTest(newLoop);

    describe('StreamReader', () => {
      it('[test_readuntil_separator, STREAM-04, STREAM-13] readuntil() - an empty separator (or list) is a RangeError; a string is a TypeError', async (t) => {
        const stream = new StreamReader({ loop: t.loop });
        expect(await failure(t, stream.readuntil(b('')))).toEqual(expect.objectContaining({ message: expect.stringMatching(/Separator should be at least one-byte string/) }));
        expect(await failure(t, stream.readuntil([]))).toBeInstanceOf(RangeError);
        expect(await failure(t, stream.readuntil('x' as unknown as Uint8Array))).toBeInstanceOf(TypeError);
        t.loop.close();
      });

      it('[test_readuntil_multi_chunks, test_readuntil_multi_chunks_1, STREAM-04] readuntil() - multi-byte separators across chunks', async (t) => {
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

      it('[STREAM-04] readuntil() - a separator arriving byte by byte while the read waits', async (t) => {
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

      it('[test_readuntil_eof, STREAM-04] readuntil() - at EOF without the separator: IncompleteReadError with the partial data, buffer emptied', async (t) => {
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

      it('[test_readuntil_limit_found_sep, STREAM-04] readuntil() - over the limit: LimitOverrunError with consumed, the buffer left as is', async (t) => {
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

      it('[STREAM-13] readuntil([...]) - several separators: the match that ends first wins', async (t) => {
        const stream = new StreamReader({ loop: t.loop });
        stream.feedData(b('ab\r\ncd\nef'));
        expect((await t.run(stream.readuntil([b('\r\n'), b('\n')]))).toString()).toBe('ab\r\n');
        expect((await t.run(stream.readuntil([b('\r\n'), b('\n')]))).toString()).toBe('cd\n');
        stream.feedData(b('--x'));
        expect((await t.run(stream.readuntil([b('x'), b('f--')]))).toString()).toBe('ef--');
        expect(buffered(stream)).toBe('x');
        t.loop.close();
      });

      it('[test_readexactly_zero_or_less, STREAM-05] readexactly() - 0 returns empty bytes; a negative size is a RangeError; the buffer is kept', async (t) => {
        const stream = new StreamReader({ loop: t.loop });
        stream.feedData(DATA);
        expect((await t.run(stream.readexactly(0))).length).toBe(0);
        expect(await failure(t, stream.readexactly(-1))).toEqual(expect.objectContaining({ message: expect.stringMatching(/less than zero/) }));
        expect(buffered(stream)).toBe(DATA.toString());
        t.loop.close();
      });

      it('[test_readexactly, STREAM-05] readexactly() - waits for enough data and leaves the rest', async (t) => {
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

      it('[test_readexactly_eof, STREAM-05] readexactly() - at EOF: IncompleteReadError with partial and expected, asyncio\'s message', async (t) => {
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

      it('[test_readexactly_exception, STREAM-06] readexactly() - fails with the exception set', async (t) => {
        const stream = new StreamReader({ loop: t.loop });
        stream.feedData(b('line\n'));
        expect((await t.run(stream.readexactly(2))).toString()).toBe('li');
        const exc = new Error('x');
        stream.setException(exc);
        expect(await failure(t, stream.readexactly(2))).toBe(exc);
        t.loop.close();
      });

      it('[test_exception_waiter, STREAM-06] setException() - wakes a waiting read with the exception', async (t) => {
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

      it('[test_exception_cancel, STREAM-06] setException() - after the waiting read was cancelled, touches nothing', async (t) => {
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

      it('[STREAM-09] one waiter at a time - a second read that must wait fails with RuntimeError', async (t) => {
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

      it('[STREAM-10] cancelling a waiting read - leaves the buffer whole for the next read', async (t) => {
        const loop = t.loop;
        const stream = new StreamReader({ loop });
        stream.feedData(b('partial '));
        const e = await failure(t, () => waitFor(stream.readline(), 0.01));
        expect((e as Error).name).toBe('TimeoutError');
        stream.feedData(b('line\n'));
        expect((await t.run(stream.readline())).toString()).toBe('partial line\n');
        loop.close();
      });

      it('[STREAM-10] cancelling a task after data woke its read but before it resumed - CancelledError, nothing consumed', async (t) => {
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

      it('[STREAM-11] for await - iterates over lines and ends at EOF', async (t) => {
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

      it('[STREAM-01, STREAM-03, STREAM-04, STREAM-05] yield* in a coroutine and await in an async function read the same', async (t) => {
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

      it('[STREAM-12] a read completes in the iteration after the feed, as asyncio\'s task wakes', async (t) => {
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

      it('[test___repr__, test___repr__nondefault_limit, test___repr__eof, test___repr__data, test___repr__exception, test___repr__waiter] toString() - asyncio\'s repr', (t) => {
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
  });
}
