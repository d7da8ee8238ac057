/**
 * Watching file descriptors: `addReader` / `addWriter` / `removeReader` /
 * `removeWriter` (catalog.md §9, IO-01…IO-15), as asyncio 3.11's
 * test_events.py (`EventLoopTestsMixin`) and test_selector_events.py
 * (`BaseSelectorEventLoopTests`) pin them, on real socketpairs, pipes, a pty
 * master, TCP sockets and regular files.
 *
 * @packageDocumentation
 */
import { closeSync, openSync, readSync, writeFileSync, writeSync, constants as fsConstants } from 'node:fs';
import { expect } from 'expect';
import { describe } from '../runner.js';
import { ContextVar, copyContext, loopStats, sleep } from '@loop/core';
import { Protocol, RuntimeError } from '@loop/interfaces';
import { AF_INET, EINPROGRESS, SOCK_STREAM, SOL_SOCKET, SO_ERROR, pipe, socket, socketpair } from '@loop/socket';
import { defineReadinessTest, type ReadinessLoopFactory } from './harness.js';

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then closed). */
function deadPort(): number {
  const s = socket(AF_INET, SOCK_STREAM);
  try {
    s.bind(['127.0.0.1', 0]);
    return (s.getsockname() as [string, number])[1];
  } finally {
    s.close();
  }
}

/** The fd-watching suite. */
export function fdWatchingSuite(newLoop: ReadinessLoopFactory): void {
  describe('fd watching: addReader, addWriter, removeReader, removeWriter', () => {
    const it = defineReadinessTest(newLoop);

    // IO-01: test_events.py::EventLoopTestsMixin::test_reader_callback
    it('[test_reader_callback, test_events, IO-01] test_reader_callback: the reader runs in a later iteration, with its args, while the fd is readable', async (t) => {
      const loop = t.loop;
      const [r, w] = socketpair();
      try {
        const calls: unknown[][] = [];
        const got: Buffer[] = [];
        let eof!: () => void;
        const done = new Promise<void>((resolve) => (eof = resolve));
        loop.addReader(
          r,
          (a: string, b: number) => {
            calls.push([a, b, loopStats(loop).iterations]);
            const data = r.recv(100);
            if (data.length > 0) got.push(data);
            else {
              expect(loop.removeReader(r)).toBe(true);
              eof();
            }
          },
          'arg',
          7,
        );
        w.send(Buffer.from('abc'));
        expect(calls).toEqual([]); // never synchronously
        loop.callSoon(() => w.send(Buffer.from('def')));
        loop.callLater(0.05, () => w.close());
        await t.run(() => done);
        expect(Buffer.concat(got).toString()).toBe('abcdef');
        expect(calls.length).toBeGreaterThanOrEqual(2);
        for (const c of calls) expect(c.slice(0, 2)).toEqual(['arg', 7]);
      } finally {
        r.close();
        w.close();
      }
      loop.close();
    });

    // IO-02: test_events.py::EventLoopTestsMixin::test_writer_callback
    it('[test_writer_callback, test_events, IO-02] test_writer_callback: the writer runs while the fd is writable, until removeWriter', async (t) => {
      const loop = t.loop;
      const [r, w] = socketpair();
      try {
        let n = 0;
        await t.run(async () => {
          const fut = loop.createFuture<void>();
          loop.addWriter(w, () => {
            n++;
            w.send(Buffer.from('x'));
            if (n === 3) {
              expect(loop.removeWriter(w)).toBe(true);
              fut.setResult(undefined);
            }
          });
          await fut;
          await sleep(0.02);
        });
        expect(n).toBe(3);
        expect(r.recv(100).toString()).toBe('xxx');
      } finally {
        r.close();
        w.close();
      }
      loop.close();
    });

    // IO-09: test_events.py (contextvars) — a reader runs in the context current at addReader
    it('[test_events, IO-09] the reader runs in the context that was current when addReader was called', async (t) => {
      const loop = t.loop;
      const v = new ContextVar<string>('fd-watching-v', { default: 'outside' });
      const [r, w] = socketpair();
      try {
        const seen = await t.run(async () => {
          const fut = loop.createFuture<string>();
          copyContext().run(() => {
            v.set('inside');
            loop.addReader(r, () => {
              loop.removeReader(r);
              fut.setResult(v.get());
            });
          });
          w.send(Buffer.from('x'));
          return await fut;
        });
        expect(seen).toBe('inside');
        expect(v.get()).toBe('outside');
      } finally {
        r.close();
        w.close();
      }
      loop.close();
    });

    // IO-04: test_selector_events.py::BaseSelectorEventLoopTests::test_add_reader_existing
    it('[test_add_reader_existing, test_selector_events, IO-04] test_add_reader_existing: a second addReader replaces the first, which never runs again', async (t) => {
      const loop = t.loop;
      const [r, w] = socketpair();
      try {
        const log: string[] = [];
        await t.run(async () => {
          const fut = loop.createFuture<void>();
          loop.addReader(r, () => log.push('first'));
          loop.addReader(r, () => {
            log.push('second');
            loop.removeReader(r);
            fut.setResult(undefined);
          });
          w.send(Buffer.from('x'));
          await fut;
          await sleep(0.01);
        });
        expect(log).toEqual(['second']);
      } finally {
        r.close();
        w.close();
      }
      loop.close();
    });

    // IO-05: test_selector_events.py::test_remove_reader, test_remove_reader_unknown, test_remove_writer_unknown
    it('[test_remove_writer_unknown, test_remove_reader_unknown, test_remove_reader, test_selector_events, IO-05] test_remove_reader / test_remove_reader_unknown: removeReader and removeWriter say whether something was removed', async (t) => {
      const loop = t.loop;
      const [r, w] = socketpair();
      try {
        expect(loop.removeReader(r)).toBe(false);
        expect(loop.removeWriter(w)).toBe(false);
        loop.addReader(r, () => undefined);
        expect(loop.removeWriter(r)).toBe(false);
        expect(loop.removeReader(r)).toBe(true);
        expect(loop.removeReader(r)).toBe(false);
        loop.addWriter(w.fileno(), () => undefined);
        expect(loop.removeWriter(w)).toBe(true);
        expect(loop.removeWriter(w.fileno())).toBe(false);
        // Nothing is left registered: w writable and r readable call nothing.
        w.send(Buffer.from('x'));
        await t.run(() => sleep(0.01));
      } finally {
        r.close();
        w.close();
      }
      loop.close();
    });

    // IO-04, IO-05: test_selector_events.py::test_add_reader_existing_writer, test_remove_reader_read_write, test_remove_writer_read_write
    it('[test_remove_writer_read_write, test_remove_reader_read_write, test_add_reader_existing_writer, test_selector_events, IO-05, IO-04] test_remove_reader_read_write: a reader and a writer on one fd; removing one keeps the other', async (t) => {
      const loop = t.loop;
      const [a, b] = socketpair();
      try {
        const log: string[] = [];
        await t.run(async () => {
          const bothSeen = loop.createFuture<void>();
          const seen = new Set<string>();
          const note = (what: string): void => {
            log.push(what);
            seen.add(what);
            if (seen.size === 2 && !bothSeen.done()) bothSeen.setResult(undefined);
          };
          loop.addReader(a, () => note('read'));
          loop.addWriter(a, () => note('write'));
          b.send(Buffer.from('x'));
          await bothSeen;
          expect(loop.removeReader(a)).toBe(true);
          log.length = 0;
          await sleep(0.01);
          expect(log.length).toBeGreaterThan(0);
          expect(new Set(log)).toEqual(new Set(['write']));
          expect(loop.removeWriter(a)).toBe(true);
          log.length = 0;
          await sleep(0.01);
          expect(log).toEqual([]);
        });
      } finally {
        a.close();
        b.close();
      }
      loop.close();
    });

    // IO-10: test_events.py::EventLoopTestsMixin::test_read_pipe (readiness of os.pipe())
    it('[test_read_pipe, test_events, IO-10] test_read_pipe: a pipe read end is readable after a write; its write end is writable', async (t) => {
      const loop = t.loop;
      const [rfd, wfd] = pipe();
      try {
        const got = await t.run(async () => {
          const writable = loop.createFuture<void>();
          loop.addWriter(wfd, () => {
            loop.removeWriter(wfd);
            writeSync(wfd, 'through the pipe');
            writable.setResult(undefined);
          });
          await writable;
          const readable = loop.createFuture<string>();
          loop.addReader(rfd, () => {
            loop.removeReader(rfd);
            const buf = Buffer.alloc(100);
            readable.setResult(buf.subarray(0, readSync(rfd, buf)).toString());
          });
          return await readable;
        });
        expect(got).toBe('through the pipe');
      } finally {
        closeSync(rfd);
        closeSync(wfd);
      }
      loop.close();
    });

    // IO-10: test_events.py::EventLoopTestsMixin::test_read_pty_output (a pty master: what is written is echoed back)
    it('[test_read_pty_output, test_events, IO-10] test_read_pty_output: a pty master (/dev/ptmx) becomes readable with the echo of what was written to it', async (t) => {
      const loop = t.loop;
      const master = openSync('/dev/ptmx', fsConstants.O_RDWR | fsConstants.O_NOCTTY | fsConstants.O_NONBLOCK);
      try {
        const got = await t.run(async () => {
          const fut = loop.createFuture<string>();
          loop.addReader(master, () => {
            loop.removeReader(master);
            const buf = Buffer.alloc(100);
            fut.setResult(buf.subarray(0, readSync(master, buf)).toString());
          });
          writeSync(master, 'pty\n');
          return await fut;
        });
        expect(got).toBe('pty\r\n');
      } finally {
        closeSync(master);
      }
      loop.close();
    });

    // IO-11: selectors.py: EpollSelector.register raises PermissionError (epoll_ctl EPERM) for a regular file,
    // PollSelector / SelectSelector accept it and report it always ready (poll(2) says so)
    it('[IO-11] a regular file: RangeError on an epoll selector, always ready on poll/select; the loop keeps working', async (t) => {
      const loop = t.loop;
      const file = t.path('regular');
      writeFileSync(file, 'a regular file');
      const fd = openSync(file, 'r');
      try {
        const selector = (loop as unknown as { selector?: { constructor: { name: string } } }).selector;
        if (selector?.constructor.name === 'EpollSelector') {
          expect(() => loop.addReader(fd, () => undefined)).toThrow(RangeError);
          expect(() => loop.addWriter(fd, () => undefined)).toThrow(expect.objectContaining({ code: 'ERR_LOOP_OUT_OF_RANGE' }));
          expect(loop.removeReader(fd)).toBe(false);
        } else {
          const count = await t.run(async () => {
            let n = 0;
            loop.addReader(fd, () => n++);
            await sleep(0.02);
            expect(loop.removeReader(fd)).toBe(true);
            return n;
          });
          expect(count).toBeGreaterThan(1);
        }
        expect(await t.run(() => sleep(0).then(() => 'still running'))).toBe('still running');
      } finally {
        closeSync(fd);
      }
      loop.close();
    });

    // IO-03: selectors._fileobj_to_fd via test_selector_events.py (ValueError / TypeError for bad file objects)
    it('[test_selector_events, IO-03] bad file descriptors: negative or non-integer RangeError, an object without fileno TypeError', async (t) => {
      const loop = t.loop;
      const cb = (): undefined => undefined;
      expect(() => loop.addReader(-1, cb)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_LOOP_OUT_OF_RANGE' }));
      expect(() => loop.addWriter(1.5, cb)).toThrow(RangeError);
      expect(() => loop.addReader({} as never, cb)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' }));
      expect(() => loop.addReader('3' as never, cb)).toThrow(TypeError);
      expect(() => loop.removeReader(-1)).toThrow(RangeError);
      expect(() => loop.removeWriter(null as never)).toThrow(TypeError);
      expect(() => loop.addReader({ fileno: () => -1 }, cb)).toThrow(RangeError);
      expect(await t.run(() => sleep(0).then(() => 1))).toBe(1);
      loop.close();
    });

    // IO-12: test_events.py (closing a watched descriptor, then removing it)
    it('[test_events, IO-12] a watched fd closed before removeReader: removeReader still says true and the loop goes on', async (t) => {
      const loop = t.loop;
      const [r, w] = socketpair();
      const fd = r.fileno();
      try {
        loop.addReader(fd, () => undefined);
        r.close();
        expect(loop.removeReader(fd)).toBe(true);
        expect(loop.removeReader(fd)).toBe(false);
        expect(await t.run(() => sleep(0).then(() => 'ok'))).toBe('ok');
      } finally {
        w.close();
      }
      loop.close();
    });

    // IO-13: test_sock_lowlevel.py::test_sock_client_fail at the fd level: a refused connect is readable and writable
    it('[test_sock_client_fail, test_sock_lowlevel, IO-13] a refused connect while watched: the writer and the reader both fire, SO_ERROR is ECONNREFUSED', async (t) => {
      const loop = t.loop;
      const port = deadPort();
      const s = socket(AF_INET, SOCK_STREAM);
      try {
        const rc = s.connectEx(['127.0.0.1', port]);
        expect([EINPROGRESS, 111]).toContain(rc);
        const fired = await t.run(async () => {
          const both = loop.createFuture<string[]>();
          const seen: string[] = [];
          const note = (what: string): void => {
            if (!seen.includes(what)) seen.push(what);
            if (seen.length === 2 && !both.done()) both.setResult(seen);
          };
          loop.addReader(s, () => note('reader'));
          loop.addWriter(s, () => note('writer'));
          const result = await both;
          loop.removeReader(s);
          loop.removeWriter(s);
          return result;
        });
        expect(fired.sort()).toEqual(['reader', 'writer']);
        expect(s.getsockopt(SOL_SOCKET, SO_ERROR)).toBe(rc === EINPROGRESS ? 111 : 0);
      } finally {
        s.close();
      }
      loop.close();
    });

    // IO-05, LOOP-16: test_events.py::EventLoopTestsMixin::test_add_fds_after_closing, test_remove_fds_after_closing
    it('[test_remove_fds_after_closing, test_add_fds_after_closing, test_events, LOOP-16, IO-05] test_add_fds_after_closing / test_remove_fds_after_closing: a closed loop refuses adds (RuntimeError) and removes nothing', async (t) => {
      const loop = t.loop;
      const [r, w] = socketpair();
      try {
        loop.addReader(r, () => undefined);
        loop.addWriter(w, () => undefined);
        loop.close();
        expect(loop.removeReader(r)).toBe(false);
        expect(loop.removeWriter(w)).toBe(false);
        expect(() => loop.addReader(r, () => undefined)).toThrow(RuntimeError);
        expect(() => loop.addWriter(w, () => undefined)).toThrow(expect.objectContaining({ code: 'ERR_LOOP_CLOSED' }));
        await expect(Promise.resolve().then(() => loop.runUntilComplete(() => sleep(0)))).rejects.toMatchObject({ code: 'ERR_LOOP_CLOSED' });
      } finally {
        r.close();
        w.close();
      }
    });

    // IO-07: test_unix_events.py::TestFunctional::test_add_reader_or_writer_transport_fd
    it('[test_add_reader_or_writer_transport_fd, test_unix_events, IO-07] test_add_reader_or_writer_transport_fd: an fd a live transport owns refuses add/remove reader/writer, by socket or fd', async (t) => {
      const loop = t.loop;
      const [a, b] = socketpair();
      try {
        await t.run(async () => {
          const [transport] = await loop.createConnection(() => new Protocol(), null, null, { sock: a });
          const fd = a.fileno();
          for (const target of [a, fd]) {
            for (const call of [
              () => loop.addReader(target, () => undefined),
              () => loop.removeReader(target),
              () => loop.addWriter(target, () => undefined),
              () => loop.removeWriter(target),
            ]) {
              let err: unknown = null;
              try {
                call();
              } catch (e) {
                err = e;
              }
              expect(err).toBeInstanceOf(RuntimeError);
              expect((err as { code?: string }).code).toBe('ERR_LOOP_FD_IN_USE');
              expect((err as Error).message).toContain(`is used by transport`);
            }
          }
          // A closing transport no longer protects it.
          transport.close();
          expect(loop.removeReader(fd)).toBe(false);
          await sleep(0);
        });
      } finally {
        a.close();
        b.close();
      }
      loop.close();
    });

    // IO-14: base_events.py Handle._run — a reader that throws goes to the exception handler with its handle
    it('[IO-14] a reader that throws: the exception handler gets the error and the handle; the loop keeps running', async (t) => {
      const loop = t.loop;
      const exceptions = t.expectExceptionHandlerCalls();
      const [r, w] = socketpair();
      try {
        const boom = new Error('boom in reader');
        await t.run(async () => {
          loop.addReader(r, () => {
            loop.removeReader(r);
            throw boom;
          });
          w.send(Buffer.from('x'));
          for (let i = 0; i < 2000 && exceptions.length === 0; i++) await sleep(0.005);
        });
        expect(exceptions).toHaveLength(1);
        expect(exceptions[0].exception).toBe(boom);
        expect(String(exceptions[0].message)).toMatch(/^Exception in callback /);
        expect(exceptions[0].handle).toBeDefined();
        expect(await t.run(() => sleep(0).then(() => 'alive'))).toBe('alive');
      } finally {
        r.close();
        w.close();
      }
      loop.close();
    });

    // IO-15: the loop never spins: a watched fd that is not ready costs no iterations
    it('[IO-15] a watched fd that is never ready costs no iterations: the loop waits in Node, not in a busy loop', async (t) => {
      const loop = t.loop;
      const [r, w] = socketpair();
      try {
        let calls = 0;
        loop.addReader(r, () => calls++);
        loop.addWriter(w, () => undefined);
        loop.removeWriter(w);
        const before = loopStats(loop).iterations;
        await t.run(() => sleep(0.2));
        const spent = loopStats(loop).iterations - before;
        expect(calls).toBe(0);
        expect(spent).toBeLessThan(10);
        expect(loop.removeReader(r)).toBe(true);
      } finally {
        r.close();
        w.close();
      }
      loop.close();
    });
  });
}
