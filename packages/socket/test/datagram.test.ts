import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import type { Address as InterfacesAddress } from '@loop/interfaces';
import { AF_INET, AF_INET6, AF_UNIX, EAGAIN, SOCK_DGRAM, SOCK_STREAM, WOULD_BLOCK, socket, socketpair, type Address } from '../src/index';
import { nextError, tcpPair, thrown, track, until, unlessEagain, useFdCheck, useTmpDir } from './helpers';

useFdCheck();

function udp(family: number, host: string): ReturnType<typeof socket> {
  const s = track(socket(family, SOCK_DGRAM));
  s.bind([host, 0]);
  return s;
}

describe('recvfrom()/sendto() over UDP', () => {
  it.each([
    ['IPv4', AF_INET, '127.0.0.1'],
    ['IPv6', AF_INET6, '::1'],
  ])('sendto()/recvfrom() - %s: the datagram and the sender in asyncio shape', async (_name, family, host) => {
    const a = udp(family, host);
    const b = udp(family, host);
    expect(a.sendto(Buffer.from('hello'), b.getsockname())).toBe(5);
    const [data, from] = await until(() => unlessEagain(() => b.recvfrom(100)));
    expect(data.toString()).toBe('hello');
    expect(from).toEqual(a.getsockname());
    expect(from).toHaveLength(family === AF_INET ? 2 : 4);
  });

  it('recvfrom() - a datagram longer than bufsize is cut, its rest discarded; message boundaries kept', async () => {
    const a = udp(AF_INET, '127.0.0.1');
    const b = udp(AF_INET, '127.0.0.1');
    a.sendto(Buffer.from('abcdef'), b.getsockname());
    a.sendto(Buffer.from('gh'), b.getsockname());
    const [first] = await until(() => unlessEagain(() => b.recvfrom(3)));
    expect(first.toString()).toBe('abc');
    expect(b.recvfrom(10)[0].toString()).toBe('gh');
  });

  it('recvfromInto() - into a view at its offset, nbytes limiting the count: [count, address]', async () => {
    const a = udp(AF_INET, '127.0.0.1');
    const b = udp(AF_INET, '127.0.0.1');
    a.sendto(Buffer.from('123456'), b.getsockname());
    const backing = Buffer.alloc(8, '.');
    const [n, from] = await until(() => unlessEagain(() => b.recvfromInto(backing.subarray(1), 4)));
    expect(n).toBe(4);
    expect(from).toEqual(a.getsockname());
    expect(backing.toString()).toBe('.1234...');
  });

  it('recvfrom()/recvfromInto() - EAGAIN system error when nothing waits, as Python raises BlockingIOError', () => {
    const b = udp(AF_INET, '127.0.0.1');
    expect(thrown(() => b.recvfrom(10))).toMatchObject({ code: 'EAGAIN', errno: -EAGAIN, syscall: 'recvfrom' });
    expect(thrown(() => b.recvfromInto(Buffer.alloc(4)))).toMatchObject({ code: 'EAGAIN', syscall: 'recvfrom' });
  });

  it('tryRecvfrom()/trySendto() - null when nothing waits, then the datagram; trySendto returns the count', async () => {
    const a = udp(AF_INET6, '::1');
    const b = udp(AF_INET6, '::1');
    expect(b.tryRecvfrom(100)).toBeNull();
    expect(a.trySendto(Buffer.from('loop'), b.getsockname())).toBe(4);
    const [data, from] = await until(() => b.tryRecvfrom(100) ?? undefined);
    expect(data.toString()).toBe('loop');
    expect(from).toEqual(a.getsockname());
    // The result is a copy, not a view of a reused scratch buffer.
    a.trySendto(Buffer.from('next'), b.getsockname());
    const [again] = await until(() => b.tryRecvfrom(100) ?? undefined);
    expect([data.toString(), again.toString()]).toEqual(['loop', 'next']);
  });

  it('tryRecvfrom() - a bufsize beyond the kept scratch buffer, and 0, still work', async () => {
    const a = udp(AF_INET, '127.0.0.1');
    const b = udp(AF_INET, '127.0.0.1');
    a.sendto(Buffer.alloc(1000, 7), b.getsockname());
    const [data] = await until(() => b.tryRecvfrom(512 * 1024) ?? undefined);
    expect(data.length).toBe(1000);
    a.sendto(Buffer.from('zero'), b.getsockname());
    const [none] = await until(() => b.tryRecvfrom(0) ?? undefined);
    expect(none.length).toBe(0);
    expect(b.tryRecvfrom(10)).toBeNull(); // the 0-byte read consumed the datagram, as recvfrom(0) in Python
  });

  it('connected UDP - send()/recv() after connect(), and recvfrom names the peer', async () => {
    const a = udp(AF_INET, '127.0.0.1');
    const b = udp(AF_INET, '127.0.0.1');
    a.connect(b.getsockname());
    b.connect(a.getsockname());
    expect(a.send(Buffer.from('c1'))).toBe(2);
    expect((await until(() => unlessEagain(() => b.recv(10)))).toString()).toBe('c1');
    b.send(Buffer.from('c2'));
    expect(await until(() => unlessEagain(() => a.recvfrom(10)))).toEqual([Buffer.from('c2'), b.getsockname()]);
    expect(a.getpeername()).toEqual(b.getsockname());
  });

  it('sendto() - a closed UDP port is reported on a later call of the connected socket (ECONNREFUSED)', async () => {
    const gone = socket(AF_INET, SOCK_DGRAM);
    gone.bind(['127.0.0.1', 0]);
    const addr = gone.getsockname();
    gone.close();
    const a = udp(AF_INET, '127.0.0.1');
    a.connect(addr);
    a.send(Buffer.from('x'));
    expect(await nextError(() => a.recv(10))).toMatchObject({ code: 'ECONNREFUSED', syscall: 'recv' });
  });
});

describe('AF_UNIX datagrams', () => {
  const tmp = useTmpDir('loop-dgram-');

  function receiver(): [ReturnType<typeof socket>, string] {
    const path = join(tmp(), 'r');
    const r = track(socket(AF_UNIX, SOCK_DGRAM));
    r.bind(path);
    return [r, path];
  }

  it('recvfrom() - from a sender bound to a path: the path', () => {
    const [r, path] = receiver();
    const s = track(socket(AF_UNIX, SOCK_DGRAM));
    s.bind(join(tmp(), 's'));
    expect(s.sendto(Buffer.from('p'), path)).toBe(1);
    expect(r.recvfrom(10)).toEqual([Buffer.from('p'), join(tmp(), 's')]);
  });

  it('recvfrom() - from an unbound sender: null, where Python gives None', () => {
    const [r, path] = receiver();
    const s = track(socket(AF_UNIX, SOCK_DGRAM));
    s.sendto(Buffer.from('anon'), path);
    expect(r.recvfrom(10)).toEqual([Buffer.from('anon'), null]);
    s.sendto(Buffer.from('again'), path);
    expect(r.recvfromInto(Buffer.alloc(10))).toEqual([5, null]);
    s.sendto(Buffer.from('try'), path);
    expect(r.tryRecvfrom(10)).toEqual([Buffer.from('try'), null]);
  });

  it('recvfrom() - from an abstract name, and from an autobound sender (bind("")): strings starting with NUL', () => {
    const [r, path] = receiver();
    const name = `\0loop-dgram-${process.pid}-${Date.now()}`;
    const s = track(socket(AF_UNIX, SOCK_DGRAM));
    s.bind(name);
    s.sendto(Buffer.from('a'), path);
    expect(r.recvfrom(10)[1]).toBe(name);
    const auto = track(socket(AF_UNIX, SOCK_DGRAM));
    auto.bind('');
    const autoName = auto.getsockname() as string;
    expect(autoName).toMatch(/^\0[0-9a-f]{5}$/);
    auto.sendto(Buffer.from('b'), path);
    expect(r.recvfrom(10)[1]).toBe(autoName);
  });

  it('sendto() - an abstract receiver, and a reply to the address recvfrom gave', () => {
    const name = `\0loop-dgram-r-${process.pid}-${Date.now()}`;
    const r = track(socket(AF_UNIX, SOCK_DGRAM));
    r.bind(name);
    const s = track(socket(AF_UNIX, SOCK_DGRAM));
    s.bind('');
    s.sendto(Buffer.from('q'), name);
    const [, from] = r.recvfrom(10);
    r.sendto(Buffer.from('reply'), from as Address);
    expect(s.recvfrom(10)).toEqual([Buffer.from('reply'), name]);
  });

  it('socketpair(AF_UNIX, SOCK_DGRAM) - connected: send()/recv(), recvfrom gives null (no sender name)', () => {
    const [a, b] = track(socketpair(AF_UNIX, SOCK_DGRAM));
    a.send(Buffer.from('one'));
    expect(b.recvfrom(10)).toEqual([Buffer.from('one'), null]);
    b.send(Buffer.from('two'));
    expect(a.recv(10).toString()).toBe('two');
  });

  it('trySendto()/sendto() - WOULD_BLOCK and EAGAIN once the receiver queue is full', () => {
    const [r, path] = receiver();
    const s = track(socket(AF_UNIX, SOCK_DGRAM));
    const chunk = Buffer.alloc(1024);
    let sent = 0;
    for (let i = 0; i < 100000 && s.trySendto(chunk, path) !== WOULD_BLOCK; i++) sent++;
    expect(sent).toBeGreaterThan(0);
    expect(s.trySendto(chunk, path)).toBe(WOULD_BLOCK);
    expect(thrown(() => s.sendto(chunk, path))).toMatchObject({ code: 'EAGAIN', syscall: 'sendto' });
    expect(r.recvfrom(2048)[0].length).toBe(1024);
  });

  it('sendto() - a path nobody bound: ENOENT system error naming the address', () => {
    const s = track(socket(AF_UNIX, SOCK_DGRAM));
    const path = join(tmp(), 'nobody');
    expect(thrown(() => s.sendto(Buffer.from('x'), path))).toMatchObject({
      code: 'ENOENT',
      errno: -osConstants.errno.ENOENT,
      syscall: 'sendto',
      address: path,
    });
    expect(thrown(() => s.trySendto(Buffer.from('x'), path))).toMatchObject({ code: 'ENOENT' });
  });
});

describe('recvfrom() on stream sockets', () => {
  it('recvfrom() - a connected stream names no sender: null, as Python gives None', async () => {
    const [a, b] = track(socketpair());
    a.send(Buffer.from('s'));
    expect(b.recvfrom(10)).toEqual([Buffer.from('s'), null]);
    const { client, conn } = await tcpPair(AF_INET, '127.0.0.1');
    client.send(Buffer.from('tcp'));
    expect(await until(() => unlessEagain(() => conn.recvfrom(10)))).toEqual([Buffer.from('tcp'), null]);
  });
});

describe('datagram bad input', () => {
  it('sendto()/trySendto() - a wrong address shape is a coded TypeError, a bad port or host a RangeError', () => {
    const s = track(socket(AF_INET, SOCK_DGRAM));
    const u = track(socket(AF_UNIX, SOCK_DGRAM));
    const data = Buffer.from('x');
    for (const call of [() => s.sendto(data, '127.0.0.1'), () => s.trySendto(data, ['127.0.0.1'] as never), () => u.sendto(data, ['x', 1]), () => s.sendto(data, ['::1', 1, 0, 0])]) {
      expect(thrown(call)).toMatchObject({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' });
    }
    expect(thrown(() => s.sendto(data, ['127.0.0.1', 65536]))).toMatchObject({ name: 'RangeError', code: 'ERR_LOOP_OUT_OF_RANGE' });
    expect(thrown(() => s.trySendto(data, ['example.com', 53]))).toMatchObject({ name: 'RangeError', code: 'ERR_LOOP_OUT_OF_RANGE' });
    const msg = thrown(() => s.sendto(data, '127.0.0.1')).message;
    expect(msg).toMatch(/^sendto\(\): AF_INET address must be \[host, port\], got/);
  });

  it('sendto()/recvfrom()/recvfromInto()/tryRecvfrom() - bad data, buffer or sizes are coded errors', () => {
    const s = track(socket(AF_INET, SOCK_DGRAM));
    expect(thrown(() => s.sendto('x' as never, ['127.0.0.1', 9]))).toMatchObject({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' });
    expect(thrown(() => s.trySendto('x' as never, ['127.0.0.1', 9]))).toMatchObject({ name: 'TypeError' });
    expect(thrown(() => s.recvfrom(-1))).toMatchObject({ name: 'RangeError', code: 'ERR_LOOP_OUT_OF_RANGE' });
    expect(thrown(() => s.tryRecvfrom(1.5))).toMatchObject({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' });
    expect(thrown(() => s.recvfromInto(Buffer.alloc(2), 3))).toMatchObject({ name: 'RangeError' });
    expect(thrown(() => s.recvfromInto([] as never))).toMatchObject({ name: 'TypeError' });
  });

  it('any datagram call on a closed socket - EBADF naming the call', () => {
    const s = socket(AF_INET, SOCK_DGRAM);
    s.close();
    const uses: [string, () => unknown][] = [
      ['recvfrom', () => s.recvfrom(1)],
      ['recvfrom', () => s.recvfromInto(Buffer.alloc(1))],
      ['recvfrom', () => s.tryRecvfrom(1)],
      ['sendto', () => s.sendto(Buffer.from('x'), ['127.0.0.1', 9])],
      ['sendto', () => s.trySendto(Buffer.from('x'), ['127.0.0.1', 9])],
    ];
    for (const [syscall, use] of uses) {
      expect(thrown(use)).toMatchObject({ code: 'EBADF', errno: -osConstants.errno.EBADF, syscall });
    }
  });

  it('sendto() on a connected stream socket - the system error of sendto(2) (EISCONN)', () => {
    const [a] = track(socketpair(AF_UNIX, SOCK_STREAM));
    expect(thrown(() => a.sendto(Buffer.from('x'), '/tmp/nowhere'))).toMatchObject({ code: 'EISCONN', syscall: 'sendto' });
  });

  it('Address - the type is @loop/interfaces\' own', () => {
    const s = track(socket(AF_INET, SOCK_DGRAM));
    s.bind(['127.0.0.1', 0]);
    const a: InterfacesAddress = s.getsockname();
    const b: Address = a;
    expect(b).toEqual(a);
  });
});
