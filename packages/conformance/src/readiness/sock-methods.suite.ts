/**
 * The `sock*` operations on `@loop/socket` sockets (catalog.md §10
 * SOCK-01…SOCK-12, §21 SF-07…SF-09), as asyncio 3.11's test_sock_lowlevel.py (`BaseSockTestsMixin`)
 * pins them: big payloads through a socketpair and TCP, datagrams on IPv4
 * and IPv6, connect (resolving `localhost`), accept, cancellation, racing
 * receivers, the debug-mode blocking check, `sockSendfile` native and
 * fallback, EOF.
 *
 * @packageDocumentation
 */
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { expect } from 'expect';
import { describe } from '../runner.js';
import { ensureFuture, loopStats, sleep, waitFor } from '@loop/core';
import { RuntimeError, SendfileNotAvailableError, TimeoutError, type Address } from '@loop/interfaces';
import { AF_INET, AF_INET6, AF_UNIX, SOCK_DGRAM, SOCK_STREAM, WOULD_BLOCK, pipe, socket, socketpair, type Socket } from '@loop/socket';
import { defineReadinessTest, type ReadinessLoop, type ReadinessLoopFactory } from './harness.js';

/** Python's `str()` of a boolean. */
function py(value: boolean): string {
  return value ? 'True' : 'False';
}

/** `size` bytes of the repeating pattern 0123456789 (test_huge_content's payload). */
function pattern(size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) buf[i] = 0x30 + (i % 10);
  return buf;
}

/** A listening TCP socket on `host`, port 0, and its address. */
function listener(family = AF_INET, host = '127.0.0.1'): [Socket, Address] {
  const l = socket(family, SOCK_STREAM);
  l.bind(family === AF_INET6 ? [host, 0, 0, 0] : [host, 0]);
  l.listen(8);
  return [l, l.getsockname()];
}

/** Receives with `sockRecv` until EOF and returns everything. */
async function recvAll(loop: ReadinessLoop, sock: Socket, chunk = 65536): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (;;) {
    const data = await loop.sockRecv(sock, chunk);
    if (data.length === 0) return Buffer.concat(parts);
    parts.push(data);
  }
}

/** A connected TCP pair made with sockConnect and sockAccept. */
async function tcpPair(loop: ReadinessLoop, family = AF_INET, host = '127.0.0.1'): Promise<[Socket, Socket]> {
  const [l, addr] = listener(family, host);
  try {
    const client = socket(family, SOCK_STREAM);
    const accepting = loop.sockAccept(l);
    await loop.sockConnect(client, addr);
    const [conn] = await accepting;
    return [client, conn];
  } finally {
    l.close();
  }
}

/** The sock-methods suite. */
export function sockMethodsSuite(newLoop: ReadinessLoopFactory): void {
  describe('sock* operations on @loop/socket sockets', () => {
    const it = defineReadinessTest(newLoop);

    // Oracle S23 (oracle/s23_fd_and_sock.py): IO-01, IO-04, IO-05, SOCK-03, SOCK-11, SOCK-07, SOCK-09, SOCK-02 as one trace
    it('[SOCK-02, SOCK-09, SOCK-07, SOCK-11, SOCK-03, IO-05, IO-04, IO-01] Oracle S23: the trace CPython 3.11 prints for fd watching and the sock* operations', async (t) => {
      const loop = t.loop;
      const out: string[] = [];
      const log: string[] = [];
      let base = loopStats(loop).iterations;
      const note = (what: string): void => {
        log.push(`it${loopStats(loop).iterations - base} ${what}`);
      };
      const bytes = (b: Buffer): string => `b'${b.toString()}'`;
      const [r, w] = socketpair();
      try {
        // 1. ordering within one iteration
        w.send(Buffer.from('x'));
        loop.callSoon(note, 'soon');
        loop.addReader(r, (tag: string) => {
          note(`reader ${tag} ${bytes(r.recv(10))}`);
          loop.removeReader(r);
        }, 'a');
        loop.callLater(0, note, 'later0');
        loop.callLater(0.05, () => loop.stop());
        await loop.runForever();
        out.push(`1. ${log.join(' | ')}`);
        log.length = 0;

        // 2. replace and remove
        base = loopStats(loop).iterations;
        out.push(`2. remove_reader unknown: ${py(loop.removeReader(r))} | remove_writer unknown: ${py(loop.removeWriter(w))}`);
        loop.addReader(r, () => note('first'));
        loop.addReader(r, () => {
          note('second');
          loop.removeReader(r);
        });
        w.send(Buffer.from('y'));
        loop.callLater(0.05, () => loop.stop());
        await loop.runForever();
        r.recv(10);
        out.push(`2. ${log.join(' | ')} | remove_reader again: ${py(loop.removeReader(r))}`);

        await t.run(async () => {
          // 3. fast path and waiting path
          w.send(Buffer.from('now'));
          const start = loopStats(loop).iterations;
          const data = await loop.sockRecv(r, 10);
          out.push(`3. immediate: ${bytes(data)} iterations taken: ${loopStats(loop).iterations - start} | reader left: ${py(loop.removeReader(r))}`);
          const pending = ensureFuture(loop.sockRecv(r, 10), loop);
          await sleep(0);
          loop.callSoon(() => w.send(Buffer.from('later')));
          out.push(`3. waited: ${bytes(await pending)} | reader left: ${py(loop.removeReader(r))}`);

          // 4. two pending receivers
          const t1 = loop.createTask(() => loop.sockRecv(r, 100));
          await sleep(0);
          const t2 = loop.createTask(() => loop.sockRecv(r, 100));
          await sleep(0);
          w.send(Buffer.from('hello'));
          out.push(`4. second got: ${bytes(await t2)}`);
          await sleep(0.02);
          out.push(`4. first done: ${py(t1.done())}`);
          t1.cancel();
          await sleep(0);
          const t3 = loop.createTask(() => loop.sockRecv(r, 100));
          await sleep(0);
          w.send(Buffer.from('again'));
          out.push(`4. first cancelled: ${py(t1.cancelled())} | third got: ${bytes(await t3)}`);
        });
      } finally {
        r.close();
        w.close();
      }

      // 5. connect, accept, debug
      const l = socket(AF_INET, SOCK_STREAM);
      const s = socket(AF_INET, SOCK_STREAM);
      const c = socket(AF_INET, SOCK_STREAM);
      const b = socket(AF_INET, SOCK_STREAM);
      try {
        l.bind(['127.0.0.1', 0]);
        const addr = l.getsockname();
        await t.run(async () => {
          const err = await loop.sockConnect(s, addr).then(() => null, (e: unknown) => e as { code?: string; errno?: number });
          out.push(`5. refused: ${err?.code === 'ECONNREFUSED' ? 'ConnectionRefusedError' : String(err?.code)} ${py(err?.errno === -111)}`);
          l.listen(1);
          const accepting = loop.sockAccept(l);
          await loop.sockConnect(c, addr);
          const [conn, peer] = await accepting;
          out.push(`5. accepted non-blocking: ${py(!conn.getblocking())} | peer is client: ${py(JSON.stringify(peer) === JSON.stringify(c.getsockname()))}`);
          conn.close();
          b.setblocking(true);
          loop.setDebug(true);
          const e = await loop.sockRecv(b, 1).then(() => null, (x: unknown) => x as Error);
          out.push(`5. debug, blocking socket: ${e?.name === 'RangeError' ? 'ValueError' : String(e?.name)} ${/the socket must be non-blocking/.test(e?.message ?? '') ? 'the socket must be non-blocking' : String(e?.message)}`);
          loop.setDebug(false);
        });
      } finally {
        for (const x of [l, s, c, b]) x.close();
      }
      loop.close();
      expect(out).toEqual([
        "1. it1 soon | it1 reader a b'x' | it1 later0",
        '2. remove_reader unknown: False | remove_writer unknown: False',
        '2. it1 second | remove_reader again: False',
        "3. immediate: b'now' iterations taken: 0 | reader left: False",
        "3. waited: b'later' | reader left: False",
        "4. second got: b'hello'",
        '4. first done: False',
        "4. first cancelled: True | third got: b'again'",
        '5. refused: ConnectionRefusedError True',
        '5. accepted non-blocking: True | peer is client: True',
        '5. debug, blocking socket: ValueError the socket must be non-blocking',
      ]);
    });

    // SOCK-05: test_sock_lowlevel.py::BaseSockTestsMixin::test_huge_content (through a socketpair)
    it('[test_huge_content, test_sock_lowlevel, SOCK-05] test_huge_content: sockSendall and sockRecv move 8 MB through a socketpair intact', async (t) => {
      const loop = t.loop;
      const [a, b] = socketpair();
      const data = pattern(8 * 1024 * 1024);
      try {
        const got = await t.run(async () => {
          const sending = loop.sockSendall(a, data).then(() => a.close());
          const received = await recvAll(loop, b);
          await sending;
          return received;
        }, { seconds: 30 });
        expect(got.length).toBe(data.length);
        expect(got.equals(data)).toBe(true);
      } finally {
        a.close();
        b.close();
      }
      loop.close();
    }, { timeout: 40000 });

    // SOCK-05, SOCK-01: test_sock_lowlevel.py::test_huge_content over TCP, with test_sock_client_ops's connect and accept
    it('[test_sock_client_ops, test_huge_content, test_sock_lowlevel, SOCK-01, SOCK-05] test_huge_content over TCP: sockConnect, sockAccept, then 4 MB each way', async (t) => {
      const loop = t.loop;
      const up = pattern(4 * 1024 * 1024);
      const down = Buffer.from(up).reverse();
      const [client, server] = await t.run(() => tcpPair(loop));
      try {
        const [atServer, atClient] = await t.run(async () => {
          const send1 = loop.sockSendall(client, up).then(() => client.shutdown(1));
          const send2 = loop.sockSendall(server, down).then(() => server.shutdown(1));
          const r = await Promise.all([recvAll(loop, server), recvAll(loop, client)]);
          await Promise.all([send1, send2]);
          return r;
        }, { seconds: 30 });
        expect(atServer.equals(up)).toBe(true);
        expect(atClient.equals(down)).toBe(true);
      } finally {
        client.close();
        server.close();
      }
      loop.close();
    }, { timeout: 40000 });

    // SOCK-04, SOCK-05: test_sock_lowlevel.py::test_huge_content_recvinto
    it('[test_huge_content_recvinto, test_sock_lowlevel, SOCK-05, SOCK-04] test_huge_content_recvinto: sockRecvInto fills a caller buffer; 0 at EOF', async (t) => {
      const loop = t.loop;
      const [a, b] = socketpair();
      const data = pattern(2 * 1024 * 1024);
      try {
        const got = await t.run(async () => {
          const sending = loop.sockSendall(a, data).then(() => a.close());
          const buf = Buffer.alloc(32768);
          const parts: Buffer[] = [];
          for (;;) {
            const n = await loop.sockRecvInto(b, buf);
            if (n === 0) break;
            parts.push(Buffer.from(buf.subarray(0, n)));
          }
          await sending;
          return Buffer.concat(parts);
        }, { seconds: 30 });
        expect(got.equals(data)).toBe(true);
      } finally {
        a.close();
        b.close();
      }
      loop.close();
    });

    // SOCK-04: test_sock_lowlevel.py::test_recvfrom, test_recvfrom_into (IPv4 and IPv6)
    for (const [family, host, label] of [
      [AF_INET, '127.0.0.1', 'IPv4'],
      [AF_INET6, '::1', 'IPv6'],
    ] as const) {
      it(`[test_recvfrom, test_recvfrom_into, SOCK-04] test_recvfrom / test_recvfrom_into on ${label}: sockSendto, sockRecvfrom, sockRecvfromInto with and without nbytes`, async (t) => {
        const loop = t.loop;
        const u = socket(family, SOCK_DGRAM);
        const v = socket(family, SOCK_DGRAM);
        try {
          u.bind(family === AF_INET6 ? [host, 0, 0, 0] : [host, 0]);
          v.bind(family === AF_INET6 ? [host, 0, 0, 0] : [host, 0]);
          const uAddr = u.getsockname();
          const vAddr = v.getsockname();
          await t.run(async () => {
            // The receive is pending first: it waits for readability.
            const pending = loop.sockRecvfrom(v, 4096);
            expect(await loop.sockSendto(u, Buffer.alloc(4096, 1), vAddr)).toBe(4096);
            const [data, from] = await pending;
            expect(data.equals(Buffer.alloc(4096, 1))).toBe(true);
            expect(from).toEqual(uAddr);

            const buf = Buffer.alloc(4096);
            await loop.sockSendto(v, Buffer.alloc(4096, 2), uAddr);
            expect(await loop.sockRecvfromInto(u, buf)).toEqual([4096, vAddr]);
            expect(buf.equals(Buffer.alloc(4096, 2))).toBe(true);

            const big = Buffer.alloc(8192);
            await loop.sockSendto(v, Buffer.alloc(4096, 3), uAddr);
            expect(await loop.sockRecvfromInto(u, big, 100)).toEqual([100, vAddr]);
            expect(big.subarray(0, 100).equals(Buffer.alloc(100, 3))).toBe(true);
            expect(big[100]).toBe(0);
          });
        } finally {
          u.close();
          v.close();
        }
        loop.close();
      });
    }

    // SOCK-04: test_sock_lowlevel.py::BaseSockTestsMixin::test_sendto_blocking (a real full queue instead of a mock)
    it('[test_sendto_blocking, test_sock_lowlevel, SOCK-04] test_sendto_blocking: a sockSendto that would block waits for writability, then sends', async (t) => {
      const loop = t.loop;
      const u = socket(AF_UNIX, SOCK_DGRAM);
      const v = socket(AF_UNIX, SOCK_DGRAM);
      try {
        u.bind(t.path('u'));
        v.bind(t.path('v'));
        // Connected: the kernel reports u writable only when v's queue has room.
        u.connect(t.path('v'));
        let queued = 0;
        while (u.trySendto(Buffer.alloc(100, 1), t.path('v')) !== WOULD_BLOCK) queued++;
        expect(queued).toBeGreaterThan(0);
        await t.run(async () => {
          const sending = loop.createTask(() => loop.sockSendto(u, Buffer.from('last'), t.path('v')));
          await sleep(0.02);
          expect(sending.done()).toBe(false);
          expect((await loop.sockRecvfrom(v, 1000))[0].length).toBe(100);
          expect(await sending).toBe(4);
          for (let i = 1; i < queued; i++) await loop.sockRecv(v, 1000);
          expect((await loop.sockRecvfrom(v, 1000))).toEqual([Buffer.from('last'), t.path('u')]);
        });
      } finally {
        u.close();
        v.close();
      }
      loop.close();
    });

    // SOCK-01, SOCK-08: test_sock_lowlevel.py::test_sock_client_ops (sock_connect resolving a host name, asyncio's _ensure_resolved)
    it("[test_sock_client_ops, test_sock_lowlevel, SOCK-08, SOCK-01] test_sock_client_ops: sockConnect resolves 'localhost' with loop.getaddrinfo, then data flows both ways", async (t) => {
      const loop = t.loop;
      const [l, addr] = listener();
      const client = socket(AF_INET, SOCK_STREAM);
      try {
        const [conn] = await t.run(async () => {
          const accepting = loop.sockAccept(l);
          await loop.sockConnect(client, ['localhost', (addr as [string, number])[1]]);
          return await accepting;
        });
        try {
          expect(client.getpeername()).toEqual(addr);
          await t.run(async () => {
            await loop.sockSendall(client, Buffer.from('GET / HTTP/1.0\r\n\r\n'));
            expect((await loop.sockRecv(conn, 1024)).toString()).toBe('GET / HTTP/1.0\r\n\r\n');
            await loop.sockSendall(conn, Buffer.from('HTTP/1.0 200 OK\r\n'));
            expect((await loop.sockRecv(client, 1024)).toString()).toBe('HTTP/1.0 200 OK\r\n');
          });
        } finally {
          conn.close();
        }
      } finally {
        client.close();
        l.close();
      }
      loop.close();
    });

    // SOCK-09: test_sock_lowlevel.py::test_sock_accept
    it('[test_sock_accept, test_sock_lowlevel, SOCK-09] test_sock_accept: the accepted socket is non-blocking and its peer is the client', async (t) => {
      const loop = t.loop;
      const [l, addr] = listener();
      const client = socket(AF_INET, SOCK_STREAM);
      try {
        client.connectEx(addr);
        const [conn, peer] = await t.run(() => loop.sockAccept(l));
        try {
          expect(conn.getblocking()).toBe(false);
          expect(peer).toEqual(client.getsockname());
          expect(client.getpeername()).toEqual(addr);
        } finally {
          conn.close();
        }
      } finally {
        client.close();
        l.close();
      }
      loop.close();
    });

    // SOCK-01, SOCK-09: test_sock_client_ops and test_sock_accept on IPv6
    it('[test_sock_accept, test_sock_client_ops, SOCK-09, SOCK-01] IPv6: sockConnect to ::1, sockAccept gives the peer as [host, port, flowinfo, scopeId], data flows', async (t) => {
      const loop = t.loop;
      const [client, server] = await t.run(() => tcpPair(loop, AF_INET6, '::1'));
      try {
        expect(client.getpeername()).toEqual(server.getsockname());
        expect(server.getpeername()).toEqual(client.getsockname());
        expect((server.getpeername() as unknown[]).length).toBe(4);
        await t.run(async () => {
          await loop.sockSendall(client, Buffer.from('over v6'));
          expect((await loop.sockRecv(server, 100)).toString()).toBe('over v6');
        });
      } finally {
        client.close();
        server.close();
      }
      loop.close();
    });

    // SOCK-07, SOCK-03: test_sock_lowlevel.py::test_cancel_sock_accept
    it('[test_cancel_sock_accept, test_sock_lowlevel, SOCK-03, SOCK-07] test_cancel_sock_accept: a sockAccept that times out removes its reader; a connect to the closed listener is refused', async (t) => {
      const loop = t.loop;
      const [l, addr] = listener();
      const client = socket(AF_INET, SOCK_STREAM);
      try {
        await t.run(async () => {
          await expect(waitFor(() => loop.sockAccept(l), 0.1)).rejects.toThrow(TimeoutError);
          expect(loop.removeReader(l)).toBe(false);
          l.close();
          await expect(loop.sockConnect(client, addr)).rejects.toMatchObject({ code: 'ECONNREFUSED', syscall: 'connect' });
        });
      } finally {
        client.close();
        l.close();
      }
      loop.close();
    });

    // SOCK-07: test_sock_lowlevel.py::test_sock_client_fail
    it('[test_sock_client_fail, test_sock_lowlevel, SOCK-07] test_sock_client_fail: sockConnect to a port nobody listens on rejects with ECONNREFUSED', async (t) => {
      const loop = t.loop;
      const [l, addr] = listener();
      l.close();
      const s = socket(AF_INET, SOCK_STREAM);
      try {
        const err = await t.run(() => loop.sockConnect(s, addr).then(() => null, (e: unknown) => e));
        expect(err).toMatchObject({ code: 'ECONNREFUSED', errno: expect.any(Number) as unknown as number });
        expect(loop.removeWriter(s)).toBe(false);
      } finally {
        s.close();
      }
      loop.close();
    });

    // SOCK-06: test_sock_lowlevel.py::test_sock_client_racing (_basetest_sock_recv_racing)
    it('[test_sock_client_racing, test_sock_lowlevel, SOCK-06] test_sock_client_racing: cancelling a pending sockRecv removes its reader; the next sockRecv gets the data', async (t) => {
      const loop = t.loop;
      const [a, b] = socketpair();
      try {
        const got = await t.run(async () => {
          const task = loop.createTask(() => loop.sockRecv(b, 1024));
          await sleep(0);
          task.cancel();
          await sleep(0);
          expect(task.cancelled()).toBe(true);
          expect(loop.removeReader(b)).toBe(false);
          void loop.createTask(() => loop.sockSendall(a, Buffer.from('GET / HTTP/1.0\r\n\r\n')));
          return await loop.sockRecv(b, 1024);
        });
        expect(got.toString()).toBe('GET / HTTP/1.0\r\n\r\n');
      } finally {
        a.close();
        b.close();
      }
      loop.close();
    });

    // SOCK-06: test_sock_lowlevel.py::BaseSockTestsMixin::test_sock_client_racing (_basetest_sock_send_racing)
    it('[test_sock_client_racing, test_sock_lowlevel, SOCK-06] test_sock_client_racing (send): a cancelled blocked sockSendall leaves no writer; the next sockSendall goes through', async (t) => {
      const loop = t.loop;
      const [client, server] = await t.run(() => tcpPair(loop));
      try {
        client.setsockopt('SOL_SOCKET', 'SO_SNDBUF', 1024);
        // Fill the buffers until sending 4 bytes would block.
        for (let size = 8192; size >= 4; size = Math.floor(size / 2)) {
          while (client.trySend(Buffer.alloc(size, 0x20)) !== WOULD_BLOCK);
        }
        const data = await t.run(async () => {
          const blocked = loop.createTask(() => loop.sockSendall(client, Buffer.from('hello')));
          await sleep(0);
          blocked.cancel();
          await sleep(0);
          expect(blocked.cancelled()).toBe(true);
          expect(loop.removeWriter(client)).toBe(false);
          const receiving = loop.createTask(async () => (await recvAll(loop, server, 8192)).toString().replace(/ /g, ''));
          await loop.sockSendall(client, Buffer.from('world'));
          client.shutdown(1);
          return await receiving;
        }, { seconds: 20 });
        expect(data.endsWith('world')).toBe(true);
      } finally {
        client.close();
        server.close();
      }
      loop.close();
    });

    // SOCK-06: test_sock_lowlevel.py::BaseSockTestsMixin::test_sock_client_connect_racing
    it('[test_sock_client_connect_racing, test_sock_lowlevel, SOCK-06] test_sock_client_connect_racing: a cancelled sockConnect leaves no writer; the socket connects on a later try', async (t) => {
      const loop = t.loop;
      const l = socket(AF_INET, SOCK_STREAM);
      const sock = socket(AF_INET, SOCK_STREAM);
      try {
        l.bind(['127.0.0.1', 0]);
        const addr = l.getsockname();
        const tries = await t.run(async () => {
          const first = loop.createTask(() => loop.sockConnect(sock, addr));
          await sleep(0);
          first.cancel();
          await sleep(0);
          expect(loop.removeWriter(sock)).toBe(false);
          l.listen(1);
          // Linux needs a retry or two before a socket whose connect failed connects (CPython's comment).
          for (let i = 1; i <= 128; i++) {
            try {
              await loop.sockConnect(sock, addr);
              return i;
            } catch (err) {
              if (!['ECONNREFUSED', 'ECONNABORTED', 'EALREADY', 'EISCONN'].includes((err as { code?: string }).code ?? '')) throw err;
              if ((err as { code?: string }).code === 'EISCONN') return i;
            }
          }
          return 0;
        });
        expect(tries).toBeGreaterThan(0);
        expect(sock.getpeername()).toEqual(addr);
      } finally {
        sock.close();
        l.close();
      }
      loop.close();
    });

    // SOCK-11: selector_events.py sock_recv + _sock_read_done (CPython 3.11, pinned with a twin): the second receiver replaces the first
    it('[SOCK-11] two concurrent sockRecv on one socket: the second replaces the first, which stays pending until cancelled', async (t) => {
      const loop = t.loop;
      const [a, b] = socketpair();
      try {
        await t.run(async () => {
          const t1 = loop.createTask(() => loop.sockRecv(b, 100));
          await sleep(0);
          const t2 = loop.createTask(() => loop.sockRecv(b, 100));
          await sleep(0);
          a.send(Buffer.from('hello'));
          expect((await t2).toString()).toBe('hello');
          await sleep(0.05);
          expect(t1.done()).toBe(false);
          t1.cancel();
          await sleep(0);
          expect(t1.cancelled()).toBe(true);
          const t3 = loop.createTask(() => loop.sockRecv(b, 100));
          await sleep(0);
          a.send(Buffer.from('again'));
          expect((await t3).toString()).toBe('again');
        });
      } finally {
        a.close();
        b.close();
      }
      loop.close();
    });

    // SOCK-02: selector_events.py sock_* in debug mode: "the socket must be non-blocking"
    it('[SOCK-02] in debug mode a blocking socket is refused with RangeError (asyncio ValueError), before any I/O', async (t) => {
      const loop = t.newLoop({ debug: true });
      const [a, b] = socketpair();
      try {
        a.setblocking(true);
        await t.run(async () => {
          for (const p of [
            loop.sockRecv(a, 10),
            loop.sockRecvInto(a, Buffer.alloc(1)),
            loop.sockSendall(a, Buffer.from('x')),
            loop.sockAccept(a),
            loop.sockConnect(a, '/nonexistent'),
            loop.sockRecvfrom(a, 1),
            loop.sockSendfile(a, 0),
          ]) {
            await expect(p).rejects.toMatchObject({ name: 'RangeError', code: 'ERR_LOOP_OUT_OF_RANGE', message: expect.stringContaining('the socket must be non-blocking') as unknown as string });
          }
        }, { loop });
        b.setblocking(false);
        expect(b.tryRecvInto(Buffer.alloc(1))).toBe(-1); // nothing was sent
      } finally {
        a.close();
        b.close();
      }
      loop.close();
    });

    // SF-07, SF-08, SF-09: unix_events.py _sock_sendfile_native and base_events.py _sock_sendfile_fallback (test_sendfile.py's sock_sendfile cases)
    it('[test_sendfile, SF-09, SF-08, SF-07] sockSendfile: sendfile(2) for a regular file (offset, count), the fallback for a pipe, SendfileNotAvailableError without it', async (t) => {
      const loop = t.loop;
      const path = t.path('data.bin');
      const content = pattern(3 * 1024 * 1024 + 17);
      writeFileSync(path, content);
      const fd = openSync(path, 'r');
      const [a, b] = socketpair();
      const [rfd, wfd] = pipe();
      try {
        await t.run(async () => {
          const reading = recvAll(loop, b);
          expect(await loop.sockSendfile(a, fd)).toBe(content.length);
          expect(await loop.sockSendfile(a, fd, 1000, 5000, { fallback: false })).toBe(5000);
          // A FileHandle, and a count past the end of the file: what is there.
          const fh = await open(path, 'r');
          try {
            expect(await loop.sockSendfile(a, fh, content.length - 10, 1000, { fallback: false })).toBe(10);
          } finally {
            await fh.close();
          }
          a.shutdown(1);
          const got = await reading;
          expect(got.length).toBe(content.length + 5000 + 10);
          expect(got.subarray(0, content.length).equals(content)).toBe(true);
          expect(got.subarray(content.length, content.length + 5000).equals(content.subarray(1000, 6000))).toBe(true);
          expect(got.subarray(content.length + 5000).equals(content.subarray(content.length - 10))).toBe(true);
        }, { seconds: 30 });
        writeSync(wfd, 'from a pipe');
        closeSync(wfd);
        const [c, d] = socketpair();
        try {
          await t.run(async () => {
            await expect(loop.sockSendfile(c, rfd, 0, null, { fallback: false })).rejects.toThrow(SendfileNotAvailableError);
            expect(await loop.sockSendfile(c, rfd)).toBe('from a pipe'.length);
            c.shutdown(1);
            expect((await recvAll(loop, d)).toString()).toBe('from a pipe');
            await expect(loop.sockSendfile(c, fd, -1)).rejects.toThrow(RangeError);
            await expect(loop.sockSendfile(c, fd, 0, 0)).rejects.toThrow(RangeError);
          });
        } finally {
          c.close();
          d.close();
        }
      } finally {
        closeSync(fd);
        closeSync(rfd);
        a.close();
        b.close();
      }
      loop.close();
    }, { timeout: 40000 });

    // SOCK-03: selector_events.py sock_recv / sock_sendall: the fast path registers nothing
    it('[SOCK-03] the fast path: an operation that succeeds at once registers no reader or writer', async (t) => {
      const loop = t.loop;
      const [a, b] = socketpair();
      try {
        await t.run(async () => {
          const sending = loop.sockSendall(a, Buffer.from('now'));
          expect(loop.removeWriter(a)).toBe(false);
          await sending;
          const receiving = loop.sockRecv(b, 10);
          expect(loop.removeReader(b)).toBe(false);
          expect((await receiving).toString()).toBe('now');
          // Nothing there: now it waits on a reader (which removeReader would take away).
          const pending = loop.sockRecvInto(b, Buffer.alloc(10));
          await sleep(0);
          await loop.sockSendall(a, Buffer.from('later'));
          expect(await pending).toBe(5);
          expect(loop.removeReader(b)).toBe(false);
        });
      } finally {
        a.close();
        b.close();
      }
      loop.close();
    });

    // SOCK-01: test_sock_lowlevel.py (_basetest_sock_client_ops's EOF read): EOF is an empty Buffer
    it('[test_sock_lowlevel, SOCK-01] EOF: sockRecv resolves to an empty Buffer, sockRecvInto to 0, for a pending and an immediate read', async (t) => {
      const loop = t.loop;
      const [a, b] = socketpair();
      try {
        await t.run(async () => {
          const pending = loop.sockRecv(b, 100);
          await sleep(0.01);
          a.close();
          const data = await pending;
          expect(Buffer.isBuffer(data)).toBe(true);
          expect(data.length).toBe(0);
          expect(await loop.sockRecvInto(b, Buffer.alloc(10))).toBe(0);
        });
      } finally {
        a.close();
        b.close();
      }
      loop.close();
    });

    // SOCK-12: argument errors; a closed loop
    it('[SOCK-12] a socket that is not a @loop/socket Socket is a TypeError; a closed loop rejects with RuntimeError', async (t) => {
      const loop = t.loop;
      const foreign = { fileno: () => 0, family: AF_INET, type: SOCK_STREAM, getsockname: () => ['', 0] as Address, getpeername: () => ['', 0] as Address, close: () => undefined };
      const [a, b] = socketpair();
      try {
        await t.run(async () => {
          await expect(loop.sockRecv(foreign, 10)).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG', message: expect.stringContaining('@loop/socket') as unknown as string });
          await expect(loop.sockSendall(null as never, Buffer.alloc(1))).rejects.toThrow(TypeError);
          await expect(loop.sockRecv(a, -1)).rejects.toThrow(RangeError);
          await expect(loop.sockSendall(a, 'text' as never)).rejects.toThrow(TypeError);
          // D58: sockSendto does not resolve names.
          const udp = socket(AF_INET, SOCK_DGRAM);
          try {
            await expect(loop.sockSendto(udp, Buffer.from('x'), ['localhost', 9])).rejects.toThrow(RangeError);
          } finally {
            udp.close();
          }
        });
        loop.close();
        await expect(loop.sockRecv(a, 10)).rejects.toThrow(RuntimeError);
        await expect(loop.sockSendall(b, Buffer.alloc(1))).rejects.toMatchObject({ code: 'ERR_LOOP_CLOSED' });
      } finally {
        a.close();
        b.close();
      }
    });
  });
}
