/**
 * `loop.getaddrinfo()` / `loop.getnameinfo()` through the loop under test
 * (asyncio's `test_base_events` getaddrinfo parts): Python's tuple shape,
 * one entry per socket type, errors with `EAI_*` codes, awaited from a task
 * without blocking the loop.
 *
 * @packageDocumentation
 */
import { describe, expect } from '@jest/globals';
import { AF_INET, AF_INET6, AI_PASSIVE, IPPROTO_TCP, IPPROTO_UDP, NI_NUMERICHOST, NI_NUMERICSERV, SOCK_DGRAM, SOCK_STREAM } from '@loop/net';
import { defineNetTest, type NetLoopFactory } from './harness.js';

/** The DNS suite. */
export function dnsSuite(newLoop: NetLoopFactory): void {
  describe('getaddrinfo and getnameinfo', () => {
    const it = defineNetTest(newLoop);

    it('getaddrinfo gives Python tuples; with one entry per socket type', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const infos = await loop.getaddrinfo('127.0.0.1', 80);
        expect(infos.slice(0, 2)).toEqual([
          [AF_INET, SOCK_STREAM, IPPROTO_TCP, '', ['127.0.0.1', 80]],
          [AF_INET, SOCK_DGRAM, IPPROTO_UDP, '', ['127.0.0.1', 80]],
        ]);
        expect(await loop.getaddrinfo('::1', '443', { type: SOCK_STREAM })).toEqual([[AF_INET6, SOCK_STREAM, IPPROTO_TCP, '', ['::1', 443, 0, 0]]]);
        expect(await loop.getaddrinfo(null, 0, { type: SOCK_STREAM, flags: AI_PASSIVE })).toEqual([
          [AF_INET, SOCK_STREAM, IPPROTO_TCP, '', ['0.0.0.0', 0]],
          [AF_INET6, SOCK_STREAM, IPPROTO_TCP, '', ['::', 0, 0, 0]],
        ]);
        const local = await loop.getaddrinfo('localhost', 80, { type: SOCK_STREAM });
        expect(local.length).toBeGreaterThan(0);
      });
      loop.close();
    });

    it('an unknown host rejects with EAI_NONAME and keeps hostname and syscall', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const err = await loop.getaddrinfo('no-such-host.invalid', 80).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'EAI_NONAME', hostname: 'no-such-host.invalid', syscall: 'getaddrinfo' });
      });
      loop.close();
    });

    it('getnameinfo with numeric flags, and with a service lookup', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        expect(await loop.getnameinfo(['127.0.0.1', 8080], NI_NUMERICHOST | NI_NUMERICSERV)).toEqual(['127.0.0.1', '8080']);
        expect(await loop.getnameinfo(['::1', 80, 0, 0], NI_NUMERICHOST)).toEqual(['::1', 'http']);
      });
      loop.close();
    });
  });
}
