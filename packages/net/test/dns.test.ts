import { describe, expect, it } from '@jest/globals';
import { AF_INET, AF_INET6, AI_NUMERICHOST, AI_PASSIVE, IPPROTO_TCP, IPPROTO_UDP, NI_NUMERICHOST, NI_NUMERICSERV, SOCK_DGRAM, SOCK_RAW, SOCK_STREAM, getaddrinfo, getnameinfo } from '../src/index.js';

describe('getaddrinfo', () => {
  it('an IPv4 literal with type 0 gives one entry per socket type, as Python', async () => {
    expect(await getaddrinfo('127.0.0.1', 80)).toEqual([
      [AF_INET, SOCK_STREAM, IPPROTO_TCP, '', ['127.0.0.1', 80]],
      [AF_INET, SOCK_DGRAM, IPPROTO_UDP, '', ['127.0.0.1', 80]],
      [AF_INET, SOCK_RAW, 0, '', ['127.0.0.1', 80]],
    ]);
  });
});

describe('getaddrinfo (more)', () => {
  it('an IPv6 literal gives a four-field sockaddr', async () => {
    expect(await getaddrinfo('::1', 8080, { type: SOCK_STREAM })).toEqual([[AF_INET6, SOCK_STREAM, IPPROTO_TCP, '', ['::1', 8080, 0, 0]]]);
  });

  it('null host with AI_PASSIVE gives the wildcard addresses, IPv4 first', async () => {
    expect(await getaddrinfo(null, 0, { type: SOCK_STREAM, flags: AI_PASSIVE })).toEqual([
      [AF_INET, SOCK_STREAM, IPPROTO_TCP, '', ['0.0.0.0', 0]],
      [AF_INET6, SOCK_STREAM, IPPROTO_TCP, '', ['::', 0, 0, 0]],
    ]);
  });

  it('null host without AI_PASSIVE gives the loopback addresses, IPv6 first', async () => {
    expect(await getaddrinfo(null, '7', { type: SOCK_STREAM })).toEqual([
      [AF_INET6, SOCK_STREAM, IPPROTO_TCP, '', ['::1', 7, 0, 0]],
      [AF_INET, SOCK_STREAM, IPPROTO_TCP, '', ['127.0.0.1', 7]],
    ]);
  });

  it('localhost resolves through the system resolver', async () => {
    const infos = await getaddrinfo('localhost', 80, { type: SOCK_STREAM });
    expect(infos.length).toBeGreaterThan(0);
    for (const [family, type, proto, , sockaddr] of infos) {
      expect([AF_INET, AF_INET6]).toContain(family);
      expect(type).toBe(SOCK_STREAM);
      expect(proto).toBe(IPPROTO_TCP);
      expect(sockaddr[1]).toBe(80);
    }
  });

  it('a service name is looked up; a tcp-only service gives no datagram entry', async () => {
    expect(await getaddrinfo('127.0.0.1', 'http')).toEqual([[AF_INET, SOCK_STREAM, IPPROTO_TCP, '', ['127.0.0.1', 80]]]);
  });

  it('an unknown service is EAI_SERVICE', async () => {
    await expect(getaddrinfo('127.0.0.1', 'no-such-service-here')).rejects.toMatchObject({ code: 'EAI_SERVICE', syscall: 'getaddrinfo' });
  });

  it('a name with AI_NUMERICHOST is EAI_NONAME without a lookup', async () => {
    await expect(getaddrinfo('localhost', 80, { flags: AI_NUMERICHOST })).rejects.toMatchObject({ code: 'EAI_NONAME' });
  });

  it('an unknown host is EAI_NONAME (Node ENOTFOUND), with hostname and syscall', async () => {
    const err = await getaddrinfo('no-such-host.invalid', 80).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ code: 'EAI_NONAME', syscall: 'getaddrinfo', hostname: 'no-such-host.invalid' });
  });

  it('an IP literal of the other family is EAI_ADDRFAMILY, as glibc answers', async () => {
    await expect(getaddrinfo('127.0.0.1', 80, { family: AF_INET6 })).rejects.toMatchObject({ code: 'EAI_ADDRFAMILY' });
  });

  it('a wrong argument type rejects with TypeError', async () => {
    await expect(getaddrinfo('127.0.0.1', 1.5)).rejects.toBeInstanceOf(TypeError);
  });
});

describe('getnameinfo', () => {
  it('NI_NUMERICHOST | NI_NUMERICSERV gives the numbers as strings', async () => {
    expect(await getnameinfo(['127.0.0.1', 80], NI_NUMERICHOST | NI_NUMERICSERV)).toEqual(['127.0.0.1', '80']);
  });

  it('NI_NUMERICSERV alone looks the host up', async () => {
    const [host, port] = await getnameinfo(['127.0.0.1', 80], NI_NUMERICSERV);
    expect(typeof host).toBe('string');
    expect(port).toBe('80');
  });

  it('flags 0 names the service', async () => {
    const [, port] = await getnameinfo(['127.0.0.1', 80], 0);
    expect(port).toBe('http');
  });
});
