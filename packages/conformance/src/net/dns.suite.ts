/**
 * `loop.getaddrinfo()` / `loop.getnameinfo()` through the loop under test
 * (asyncio's `test_base_events` getaddrinfo parts): Python's tuple shape,
 * one entry per socket type, errors with `EAI_*` codes, awaited from a task
 * without blocking the loop.
 *
 * @packageDocumentation
 */
import { expect } from 'expect';
import { describe } from '../runner.js';
import {
  AF_INET,
  AF_INET6,
  AI_PASSIVE,
  AI_V4MAPPED,
  EAI_ADDRFAMILY,
  EAI_NONAME,
  EAI_SERVICE,
  EAI_SOCKTYPE,
  IPPROTO_TCP,
  IPPROTO_UDP,
  NI_NUMERICHOST,
  NI_NUMERICSERV,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
} from '@loop/net';
import { defineNetTest, type NetLoopFactory } from './harness.js';

/** The DNS suite. */
export function dnsSuite(newLoop: NetLoopFactory): void {
  describe('getaddrinfo and getnameinfo', () => {
    const it = defineNetTest(newLoop);

    it('[DNS-01] getaddrinfo gives Python tuples; with one entry per socket type', async (t) => {
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

    it('[DNS-04] an unknown host rejects with EAI_NONAME and keeps hostname and syscall', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const err = await loop.getaddrinfo('no-such-host.invalid', 80).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'EAI_NONAME', hostname: 'no-such-host.invalid', syscall: 'getaddrinfo' });
      });
      loop.close();
    });

    // The C library's errors, as CPython 3.11 on Linux (glibc) gives them:
    //   socket.getaddrinfo(None, None)                                -> gaierror(EAI_NONAME)
    //   socket.getaddrinfo('127.0.0.1', 80, family=AF_INET6)          -> gaierror(EAI_ADDRFAMILY)
    //   socket.getaddrinfo('::1', 'http', family=AF_INET)             -> gaierror(EAI_ADDRFAMILY)
    //   socket.getaddrinfo('127.0.0.1', 80, type=SOCK_DGRAM, proto=IPPROTO_TCP) -> gaierror(EAI_SOCKTYPE)
    //   socket.getaddrinfo('127.0.0.1', 80, type=99)                  -> gaierror(EAI_SOCKTYPE)
    //   socket.getaddrinfo('127.0.0.1', 0, type=SOCK_RAW)             -> gaierror(EAI_SERVICE)
    //   socket.getaddrinfo('127.0.0.1', 80, family=AF_INET6, flags=AI_V4MAPPED) -> ('::ffff:127.0.0.1', 80, 0, 0)
    it('[DNS-04] getaddrinfo(null, null) rejects with EAI_NONAME: at most one of host and port may be null', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        await expect(loop.getaddrinfo(null, null)).rejects.toMatchObject({ code: 'EAI_NONAME', errno: EAI_NONAME, syscall: 'getaddrinfo' });
        await expect(loop.getaddrinfo(null, null, { flags: AI_PASSIVE })).rejects.toMatchObject({ code: 'EAI_NONAME' });
        await expect(loop.getaddrinfo(null, null, { type: 99 })).rejects.toMatchObject({ code: 'EAI_NONAME' });
      });
      loop.close();
    });

    it('[DNS-02] an IP literal of the other family rejects with EAI_ADDRFAMILY', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        await expect(loop.getaddrinfo('127.0.0.1', 80, { family: AF_INET6 })).rejects.toMatchObject({
          code: 'EAI_ADDRFAMILY',
          errno: EAI_ADDRFAMILY,
          syscall: 'getaddrinfo',
          message: expect.stringContaining('Address family for hostname not supported'),
        });
        await expect(loop.getaddrinfo('127.0.0.1', null, { family: AF_INET6 })).rejects.toMatchObject({ code: 'EAI_ADDRFAMILY' });
        await expect(loop.getaddrinfo('::1', 'http', { family: AF_INET })).rejects.toMatchObject({ code: 'EAI_ADDRFAMILY' });
        // With AI_V4MAPPED, an IPv4 literal asked for as IPv6 is mapped instead.
        expect(await loop.getaddrinfo('127.0.0.1', 80, { family: AF_INET6, type: SOCK_STREAM, flags: AI_V4MAPPED })).toEqual([
          [AF_INET6, SOCK_STREAM, IPPROTO_TCP, '', ['::ffff:127.0.0.1', 80, 0, 0]],
        ]);
      });
      loop.close();
    });

    it('[DNS-03] a socket type that does not go with the protocol rejects with EAI_SOCKTYPE; a service for SOCK_RAW with EAI_SERVICE', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        await expect(loop.getaddrinfo('127.0.0.1', 80, { type: SOCK_DGRAM, proto: IPPROTO_TCP })).rejects.toMatchObject({
          code: 'EAI_SOCKTYPE',
          errno: EAI_SOCKTYPE,
          message: expect.stringContaining('ai_socktype not supported'),
        });
        await expect(loop.getaddrinfo('127.0.0.1', 80, { type: SOCK_STREAM, proto: IPPROTO_UDP })).rejects.toMatchObject({ code: 'EAI_SOCKTYPE' });
        await expect(loop.getaddrinfo(null, 80, { type: SOCK_DGRAM, proto: IPPROTO_TCP })).rejects.toMatchObject({ code: 'EAI_SOCKTYPE' });
        // The type and protocol are checked before the service and the host.
        await expect(loop.getaddrinfo('127.0.0.1', 'no-such-service', { type: SOCK_DGRAM, proto: IPPROTO_TCP })).rejects.toMatchObject({ code: 'EAI_SOCKTYPE' });
        await expect(loop.getaddrinfo('127.0.0.1', 80, { family: AF_INET6, type: SOCK_DGRAM, proto: IPPROTO_TCP })).rejects.toMatchObject({ code: 'EAI_SOCKTYPE' });
        await expect(loop.getaddrinfo('127.0.0.1', 80, { type: 99 })).rejects.toMatchObject({ code: 'EAI_SOCKTYPE' });
        await expect(loop.getaddrinfo('127.0.0.1', 0, { type: SOCK_RAW })).rejects.toMatchObject({ code: 'EAI_SERVICE', errno: EAI_SERVICE });
        expect(await loop.getaddrinfo('127.0.0.1', null, { type: SOCK_RAW, proto: IPPROTO_TCP })).toEqual([[AF_INET, SOCK_RAW, IPPROTO_TCP, '', ['127.0.0.1', 0]]]);
        expect(await loop.getaddrinfo('127.0.0.1', 80, { type: SOCK_STREAM, proto: IPPROTO_TCP })).toEqual([[AF_INET, SOCK_STREAM, IPPROTO_TCP, '', ['127.0.0.1', 80]]]);
      });
      loop.close();
    });

    it('[DNS-01] getnameinfo with numeric flags, and with a service lookup', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        expect(await loop.getnameinfo(['127.0.0.1', 8080], NI_NUMERICHOST | NI_NUMERICSERV)).toEqual(['127.0.0.1', '8080']);
        expect(await loop.getnameinfo(['::1', 80, 0, 0], NI_NUMERICHOST)).toEqual(['::1', 'http']);
      });
      loop.close();
    });
  });
}
