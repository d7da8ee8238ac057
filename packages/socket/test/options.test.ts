import { constants as osConstants } from 'node:os';
import * as api from '../src/index';
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPV6_V6ONLY,
  OPTION_LEVELS,
  OPTION_NAMES,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_BROADCAST,
  SO_DOMAIN,
  SO_ERROR,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_PROTOCOL,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SO_SNDBUF,
  SO_TYPE,
  TCP_NODELAY,
  socket,
  socketpair,
} from '../src/index';
import { nextError, tcpPair, thrown, track, useFdCheck } from './helpers';

useFdCheck();

/** Python's struct.pack('ii', a, b). */
const packII = (a: number, b: number): Buffer => Buffer.from(new Int32Array([a, b]).buffer);

describe('setsockopt()/getsockopt() by number and by name', () => {
  it.each([
    ['SO_REUSEADDR', 'SOL_SOCKET', SOL_SOCKET, SO_REUSEADDR, AF_INET, SOCK_STREAM],
    ['SO_REUSEPORT', 'SOL_SOCKET', SOL_SOCKET, SO_REUSEPORT, AF_INET, SOCK_STREAM],
    ['SO_KEEPALIVE', 'SOL_SOCKET', SOL_SOCKET, SO_KEEPALIVE, AF_INET, SOCK_STREAM],
    ['SO_BROADCAST', 'SOL_SOCKET', SOL_SOCKET, SO_BROADCAST, AF_INET, SOCK_DGRAM],
    ['TCP_NODELAY', 'IPPROTO_TCP', IPPROTO_TCP, TCP_NODELAY, AF_INET, SOCK_STREAM],
    ['IPV6_V6ONLY', 'IPPROTO_IPV6', IPPROTO_IPV6, IPV6_V6ONLY, AF_INET6, SOCK_STREAM],
  ])('%s - set by name, read by number, and back (booleans as 1 and 0)', (optName, levelName, level, opt, family, type) => {
    const s = track(socket(family, type));
    s.setsockopt(levelName, optName, 1);
    expect(s.getsockopt(level, opt)).toBe(1);
    expect(s.getsockopt(levelName, optName)).toBe(1);
    s.setsockopt(level, opt, false);
    expect(s.getsockopt(levelName, opt)).toBe(0);
    s.setsockopt(level, optName, true);
    expect(s.getsockopt(level, opt)).toBe(1);
  });

  it('SO_RCVBUF/SO_SNDBUF - integer values (Linux doubles what it is given)', () => {
    const s = track(socket(AF_INET, SOCK_STREAM));
    s.setsockopt('SOL_SOCKET', 'SO_RCVBUF', 65536);
    expect(s.getsockopt(SOL_SOCKET, SO_RCVBUF)).toBe(131072);
    s.setsockopt(SOL_SOCKET, SO_SNDBUF, 65536);
    expect(s.getsockopt('SOL_SOCKET', 'SO_SNDBUF')).toBe(131072);
  });

  it('SO_TYPE/SO_DOMAIN/SO_PROTOCOL/SO_ERROR - read-only integers', () => {
    const s = track(socket(AF_INET6, SOCK_DGRAM));
    expect(s.getsockopt(SOL_SOCKET, SO_TYPE)).toBe(SOCK_DGRAM);
    expect(s.getsockopt('SOL_SOCKET', 'SO_DOMAIN')).toBe(AF_INET6);
    expect(s.getsockopt(SOL_SOCKET, SO_PROTOCOL)).toBe(api.IPPROTO_UDP);
    expect(s.getsockopt(SOL_SOCKET, SO_ERROR)).toBe(0);
    expect(SO_DOMAIN).toBe(39);
    expect(thrown(() => s.setsockopt(SOL_SOCKET, SO_TYPE, 1))).toMatchObject({ code: 'ENOPROTOOPT', syscall: 'setsockopt' });
  });

  it('getsockopt(level, opt, buflen) - a Buffer of the raw bytes, as long as the kernel wrote', () => {
    const s = track(socket(AF_INET, SOCK_STREAM));
    const raw = s.getsockopt(SOL_SOCKET, SO_TYPE, 16);
    expect(Buffer.isBuffer(raw)).toBe(true);
    expect(raw).toHaveLength(4);
    expect(raw.readInt32LE(0)).toBe(SOCK_STREAM);
    expect(s.getsockopt(SOL_SOCKET, SO_TYPE, 1)).toHaveLength(1);
  });

  it('SO_PEERCRED - a struct read as bytes: this process as the peer of a socketpair', () => {
    const [a] = track(socketpair());
    const cred = a.getsockopt('SOL_SOCKET', 'SO_PEERCRED', 12);
    expect(cred.readInt32LE(0)).toBe(process.pid);
    expect(cred.readUInt32LE(4)).toBe(process.getuid?.());
  });
});

describe('SO_LINGER', () => {
  it('getsockopt(SOL_SOCKET, SO_LINGER, 8) - the 8 bytes of struct linger; set from a Buffer or [onoff, seconds]', () => {
    const s = track(socket(AF_INET, SOCK_STREAM));
    expect(s.getsockopt(SOL_SOCKET, SO_LINGER, 8)).toEqual(Buffer.alloc(8));
    s.setsockopt(SOL_SOCKET, SO_LINGER, packII(1, 0));
    expect(s.getsockopt(SOL_SOCKET, SO_LINGER, 8)).toEqual(packII(1, 0));
    s.setsockopt('SOL_SOCKET', 'SO_LINGER', [1, 5]);
    expect(s.getsockopt(SOL_SOCKET, SO_LINGER, 8)).toEqual(packII(1, 5));
    expect(s.getsockopt(SOL_SOCKET, SO_LINGER)).toBe(1); // as Python: the first int
    s.setsockopt(SOL_SOCKET, SO_LINGER, [false, 0]);
    expect(s.getsockopt(SOL_SOCKET, SO_LINGER, 8)).toEqual(packII(0, 5)); // Linux keeps the time when turned off
  });

  it('SO_LINGER [1, 0] - close() resets the connection: the peer gets ECONNRESET', async () => {
    const { client, conn } = await tcpPair(AF_INET, '127.0.0.1');
    client.setsockopt(SOL_SOCKET, SO_LINGER, packII(1, 0));
    client.close();
    expect(await nextError(() => conn.recv(10))).toMatchObject({ code: 'ECONNRESET', errno: -osConstants.errno.ECONNRESET, syscall: 'recv' });
  });
});

describe('option names', () => {
  it('every named option and level - an exported constant of the same value', () => {
    const exported = api as unknown as Record<string, unknown>;
    for (const [name, value] of OPTION_LEVELS) expect(exported[name]).toBe(value);
    for (const [name, [value, level]] of OPTION_NAMES) {
      expect(exported[name]).toBe(value);
      expect(OPTION_LEVELS.has(level)).toBe(true);
    }
    for (const name of ['SO_REUSEADDR', 'SO_REUSEPORT', 'SO_BROADCAST', 'SO_KEEPALIVE', 'SO_ERROR', 'SO_RCVBUF', 'SO_SNDBUF', 'SO_LINGER', 'SO_TYPE', 'SO_DOMAIN', 'SO_PROTOCOL', 'TCP_NODELAY', 'IPV6_V6ONLY']) {
      expect(OPTION_NAMES.has(name)).toBe(true);
      expect(typeof exported[name]).toBe('number');
    }
  });

  it('an unknown option or level name - a coded RangeError naming the call and the name', () => {
    const s = track(socket(AF_INET, SOCK_STREAM));
    const e1 = thrown(() => s.setsockopt('SOL_SOCKET', 'SO_NOPE', 1));
    expect(e1).toMatchObject({ name: 'RangeError', code: 'ERR_LOOP_OUT_OF_RANGE' });
    expect(e1.message).toMatch(/^setsockopt\(\): optname .*"SO_NOPE"/);
    const e2 = thrown(() => s.getsockopt('SOL_NOPE', 'SO_ERROR'));
    expect(e2).toMatchObject({ name: 'RangeError', code: 'ERR_LOOP_OUT_OF_RANGE' });
    expect(e2.message).toMatch(/^getsockopt\(\): level .*"SOL_NOPE"/);
    expect(thrown(() => s.getsockopt(SOL_SOCKET, 'so_reuseaddr'))).toMatchObject({ name: 'RangeError' });
  });

  it('an option name of another level - a coded RangeError; a level number nobody names is passed through', () => {
    const s = track(socket(AF_INET, SOCK_STREAM));
    const err = thrown(() => s.setsockopt('SOL_SOCKET', 'TCP_NODELAY', 1));
    expect(err).toMatchObject({ name: 'RangeError', code: 'ERR_LOOP_OUT_OF_RANGE' });
    expect(err.message).toBe('setsockopt(): TCP_NODELAY is an option of level IPPROTO_TCP, got level SOL_SOCKET');
    expect(thrown(() => s.getsockopt(IPPROTO_TCP, 'SO_ERROR'))).toMatchObject({ name: 'RangeError' });
    // SO_ERROR's number at a level the kernel does not know for TCP: its system error (EOPNOTSUPP on Linux).
    expect(thrown(() => s.getsockopt(9999, 'SO_ERROR'))).toMatchObject({ code: 'ENOTSUP', errno: -osConstants.errno.EOPNOTSUPP, syscall: 'getsockopt' });
  });

  it('wrong types, buflen out of 1-1024, a value of no option shape - coded errors', () => {
    const s = track(socket(AF_INET, SOCK_STREAM));
    expect(thrown(() => s.getsockopt({} as never, SO_ERROR))).toMatchObject({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' });
    expect(thrown(() => s.getsockopt(SOL_SOCKET, null as never))).toMatchObject({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' });
    expect(thrown(() => s.getsockopt(SOL_SOCKET, SO_LINGER, 0))).toMatchObject({ name: 'RangeError', code: 'ERR_LOOP_OUT_OF_RANGE' });
    expect(thrown(() => s.getsockopt(SOL_SOCKET, SO_LINGER, 1025))).toMatchObject({ name: 'RangeError' });
    expect(thrown(() => s.setsockopt(SOL_SOCKET, SO_REUSEADDR, '1' as never))).toMatchObject({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' });
    expect(thrown(() => s.setsockopt(SOL_SOCKET, SO_REUSEADDR, [1, 0]))).toMatchObject({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' });
    expect(thrown(() => s.setsockopt(SOL_SOCKET, SO_LINGER, [1] as never))).toMatchObject({ name: 'TypeError' });
    expect(thrown(() => s.setsockopt(SOL_SOCKET, SO_LINGER, [1, -1]))).toMatchObject({ name: 'RangeError' });
    expect(thrown(() => s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 2 ** 31))).toMatchObject({ name: 'RangeError' });
    expect(thrown(() => s.setsockopt(SOL_SOCKET, SO_LINGER, Buffer.alloc(2)))).toMatchObject({ code: 'EINVAL', syscall: 'setsockopt' });
  });

  it('a closed socket - EBADF for every form', () => {
    const s = socket(AF_UNIX, SOCK_STREAM);
    s.close();
    expect(thrown(() => s.getsockopt('SOL_SOCKET', 'SO_TYPE'))).toMatchObject({ code: 'EBADF', syscall: 'getsockopt' });
    expect(thrown(() => s.getsockopt(SOL_SOCKET, SO_LINGER, 8))).toMatchObject({ code: 'EBADF', syscall: 'getsockopt' });
    expect(thrown(() => s.setsockopt('SOL_SOCKET', 'SO_LINGER', [1, 0]))).toMatchObject({ code: 'EBADF', syscall: 'setsockopt' });
  });
});
