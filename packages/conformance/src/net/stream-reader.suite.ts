/**
 * `StreamReader` on its own, fed by hand (`feedData` / `feedEof` are public
 * API), part 1 (asyncio's `test_streams`): `read(n)`, `read()`, the limit,
 * and `readline()`. Part 2 (`readuntil`, `readexactly`, errors, waiters) is
 * `stream-reader-until.suite.ts`.
 *
 * HOW: the tests mirror CPython's `test_streams.py` case by case (same data,
 * same expected buffers and errors), checking what is left in the buffer
 * through the reader's repr and a final read.
 *
 * @packageDocumentation
 */
import { expect } from 'expect';
import { describe } from '../runner.js';
import { sleep } from '@loop/core';
import { LimitOverrunError, type Coroutine } from '@loop/interfaces';
import { StreamReader } from '@loop/net';
import { defineNetTest, type NetLoopFactory } from './harness.js';
import { b, DATA, buffered, failure } from './streams-helpers.js';

/** The `StreamReader` suite, part 1: `read` and `readline`. */
export function streamReaderSuite(newLoop: NetLoopFactory): void {
  describe('streams', () => {
    const it = defineNetTest(newLoop);

    describe('StreamReader', () => {
      it('[test_feed_empty_data, test_feed_nonempty_data, test_read_zero, STREAM-01] feedData(): empty data is ignored; read(0) returns empty bytes and leaves the buffer', async (t) => {
        const stream = new StreamReader({ loop: t.loop });
        stream.feedData(b(''));
        expect(stream.toString()).toBe('<StreamReader>');
        stream.feedData(DATA);
        expect(stream.toString()).toBe('<StreamReader 18 bytes>');
        expect((await t.run(stream.read(0))).length).toBe(0);
        expect(buffered(stream)).toBe(DATA.toString());
        t.loop.close();
      });

      it('[test_read, STREAM-01] read(n) - waits for data fed later, then returns it', async (t) => {
        const loop = t.loop;
        const stream = new StreamReader({ loop });
        const task = loop.createTask(() => stream.read(30));
        loop.callSoon(() => stream.feedData(DATA));
        expect((await t.run(task)).toString()).toBe(DATA.toString());
        expect(buffered(stream)).toBe('');
        loop.close();
      });

      it('[STREAM-01] read(n) - a waiting read gets every chunk fed before its task wakes (asyncio reads the buffer on resuming)', async (t) => {
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

      it('[test_read_line_breaks, STREAM-01] read(n) - returns at most n bytes without line breaks in mind', async (t) => {
        const stream = new StreamReader({ loop: t.loop });
        stream.feedData(b('line1'));
        stream.feedData(b('line2'));
        expect((await t.run(stream.read(5))).toString()).toBe('line1');
        expect(buffered(stream)).toBe('line2');
        t.loop.close();
      });

      it('[test_read_eof, STREAM-01] read(n) - returns empty bytes at EOF', async (t) => {
        const loop = t.loop;
        const stream = new StreamReader({ loop });
        const task = loop.createTask(() => stream.read(1024));
        loop.callSoon(() => stream.feedEof());
        expect((await t.run(task)).length).toBe(0);
        expect(stream.atEof()).toBe(true);
        loop.close();
      });

      it('[test_read_until_eof, STREAM-01] read() - reads everything until EOF', async (t) => {
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

      it('[STREAM-01] read(-1) - data fed over several iterations, far beyond the limit, is all returned', async (t) => {
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

      it('[test_read_exception, STREAM-06] read() - fails with the exception set by setException(), after the data read before', async (t) => {
        const stream = new StreamReader({ loop: t.loop });
        stream.feedData(b('line\n'));
        expect((await t.run(stream.read(2))).toString()).toBe('li');
        const exc = new RangeError('boom');
        stream.setException(exc);
        expect(await failure(t, stream.read(2))).toBe(exc);
        t.loop.close();
      });

      it('[test_invalid_limit, STREAM-02] constructor - a limit of 0 or less is a RangeError', (t) => {
        expect(() => new StreamReader({ limit: 0, loop: t.loop })).toThrow(RangeError);
        expect(() => new StreamReader({ limit: -1, loop: t.loop })).toThrow(/Limit cannot be <= 0/);
        t.loop.close();
        return Promise.resolve();
      });

      it('[test_read_limit, test_readexactly_limit, STREAM-01, STREAM-05] read(n) and readexactly(n) - are not bounded by the limit', async (t) => {
        const stream = new StreamReader({ limit: 3, loop: t.loop });
        stream.feedData(b('chunk'));
        expect((await t.run(stream.read(5))).toString()).toBe('chunk');
        stream.feedData(b('chunk'));
        expect((await t.run(stream.readexactly(5))).toString()).toBe('chunk');
        expect(buffered(stream)).toBe('');
        t.loop.close();
      });

      it('[test_readline, STREAM-03] readline() - waits over several chunks and leaves what follows the newline', async (t) => {
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

      it('[test_readline_limit_with_existing_data, STREAM-03] readline() - over the limit with the data buffered: RangeError, the line (or the buffer) dropped', async (t) => {
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

      it('[test_readline_limit, STREAM-03] readline() - over the limit with data fed later', async (t) => {
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

      it('[test_readline_nolimit_nowait, STREAM-03] readline() - with the data buffered, returns the first line at once', async (t) => {
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

      it('[test_at_eof, test_readline_eof, test_readline_empty_eof, STREAM-03] readline() - at EOF returns the incomplete last line, then empty bytes; atEof() follows the buffer', async (t) => {
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

      it('[test_readline_exception, STREAM-06] readline() - fails with the exception set, and the buffer is not returned', async (t) => {
        const stream = new StreamReader({ loop: t.loop });
        stream.feedData(b('line\n'));
        expect((await t.run(stream.readline())).toString()).toBe('line\n');
        const exc = new Error('broken');
        stream.setException(exc);
        expect(await failure(t, stream.readline())).toBe(exc);
        expect(stream.exception()).toBe(exc);
        t.loop.close();
      });
    });
  });
}
