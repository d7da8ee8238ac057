import { closeSync, existsSync, openSync, readFileSync, readlinkSync, writeSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { Worker } from 'node:worker_threads';
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  EAGAIN,
  EINPROGRESS,
  SHUT_WR,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_ERROR,
  SO_REUSEADDR,
  Socket,
  WOULD_BLOCK,
  pipe,
  socket,
  socketpair,
} from '../src/index';
import { tcpPair, thrown, track, until, useFdCheck, useTmpDir } from './helpers';

// O_NONBLOCK and O_CLOEXEC as /proc/self/fdinfo/N prints them (octal "flags:").
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;

function fdFlags(fd: number): number {
  const m = /^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  if (m === null) throw new Error(`no flags for fd ${fd}`);
  return parseInt(m[1], 8);
}

useFdCheck();

describe('socketpair()', () => {
  it('socketpair() - two connected AF_UNIX stream sockets: send() on one, recv() on the other', () => {
    const [a, b] = track(socketpair());
    expect(a.family).toBe(AF_UNIX);
    expect(a.type).toBe(SOCK_STREAM);
    expect(a.send(Buffer.from('ping'))).toBe(4);
    expect(b.recv(100).toString()).toBe('ping');
    expect(b.send(new Uint8Array([1, 2, 3]))).toBe(3);
    const buf = Buffer.alloc(8);
    expect(a.recvInto(buf)).toBe(3);
    expect([...buf.subarray(0, 3)]).toEqual([1, 2, 3]);
  });

  it('recvInto() - nbytes limits the count and a view writes at its own offset', () => {
    const [a, b] = track(socketpair());
    a.send(Buffer.from('abcdef'));
    const backing = Buffer.alloc(10, '.');
    expect(b.recvInto(backing.subarray(2), 3)).toBe(3);
    expect(backing.toString()).toBe('..abc.....');
    expect(b.recv(10).toString()).toBe('def');
  });

  it('recv() - an empty Buffer at end of stream after shutdown(SHUT_WR)', () => {
    const [a, b] = track(socketpair());
    a.shutdown(SHUT_WR);
    expect(b.recv(10).length).toBe(0);
    expect(b.tryRecvInto(Buffer.alloc(4))).toBe(0);
  });

  it('socketpair(AF_UNIX, SOCK_DGRAM) - keeps message boundaries', () => {
    const [a, b] = track(socketpair(AF_UNIX, SOCK_DGRAM));
    a.send(Buffer.from('one'));
    a.send(Buffer.from('two'));
    expect(b.recv(100).toString()).toBe('one');
    expect(b.recv(100).toString()).toBe('two');
  });
});

describe('would block', () => {
  it('recv()/recvInto() - throw a system error with code EAGAIN on an empty socket', () => {
    const [a] = track(socketpair());
    const err = thrown(() => a.recv(10));
    expect(err).toMatchObject({ code: 'EAGAIN', errno: -EAGAIN, syscall: 'recv' });
    expect(thrown(() => a.recvInto(Buffer.alloc(4)))).toMatchObject({ code: 'EAGAIN' });
  });

  it('tryRecvInto() - returns WOULD_BLOCK on an empty socket, then the count once data arrives', () => {
    const [a, b] = track(socketpair());
    const buf = Buffer.alloc(16);
    expect(WOULD_BLOCK).toBe(-1);
    expect(a.tryRecvInto(buf)).toBe(WOULD_BLOCK);
    b.send(Buffer.from('x'));
    expect(a.tryRecvInto(buf)).toBe(1);
  });

  it('send()/trySend() - EAGAIN error and WOULD_BLOCK once the peer stops reading', () => {
    const [a] = track(socketpair());
    const chunk = Buffer.alloc(65536);
    let total = 0;
    for (let n = a.trySend(chunk); n !== WOULD_BLOCK; n = a.trySend(chunk)) total += n;
    expect(total).toBeGreaterThan(0);
    expect(thrown(() => a.send(chunk))).toMatchObject({ code: 'EAGAIN', syscall: 'send' });
  });

  it('accept() - throws EAGAIN when no connection waits', () => {
    const server = track(socket(AF_INET, SOCK_STREAM));
    server.bind(['127.0.0.1', 0]);
    server.listen();
    expect(thrown(() => server.accept())).toMatchObject({ code: 'EAGAIN', syscall: 'accept' });
  });

  it('trySend() - a peer gone is EPIPE, thrown (no SIGPIPE)', () => {
    const [a, b] = socketpair();
    track(a);
    b.close();
    expect(thrown(() => a.trySend(Buffer.from('x')))).toMatchObject({ code: 'EPIPE', errno: -osConstants.errno.EPIPE, syscall: 'send' });
  });
});

describe('TCP', () => {
  it.each([
    ['IPv4', AF_INET, '127.0.0.1'],
    ['IPv6', AF_INET6, '::1'],
  ])('connectEx()/accept() - %s: EINPROGRESS, then SO_ERROR 0, accept, and data both ways', async (_name, family, host) => {
    const { server, client, conn, addr } = await tcpPair(family, host);
    const local = client.getsockname();
    expect(addr).toEqual(local);
    expect(conn.getpeername()).toEqual(local);
    expect(client.getpeername()).toEqual(server.getsockname());
    expect(conn.family).toBe(family);
    client.send(Buffer.from('hello'));
    expect((await until(() => { const n = conn.tryRecvInto(Buffer.alloc(5)); return n === WOULD_BLOCK ? undefined : n; }))).toBe(5);
    conn.send(Buffer.from('back'));
    expect((await until(() => { try { return client.recv(10).toString(); } catch { return undefined; } }))).toBe('back');
  });

  it('getsockname() - asyncio shapes: [host, port] for IPv4, [host, port, flowinfo, scopeId] for IPv6', () => {
    const v4 = track(socket(AF_INET));
    v4.bind(['127.0.0.1', 0]);
    const a4 = v4.getsockname() as [string, number];
    expect(a4).toHaveLength(2);
    expect(a4[0]).toBe('127.0.0.1');
    expect(a4[1]).toBeGreaterThan(0);
    const v6 = track(socket(AF_INET6));
    v6.bind(['::1', 0, 0, 0]);
    const a6 = v6.getsockname() as [string, number, number, number];
    expect(a6).toEqual(['::1', expect.any(Number), 0, 0]);
  });

  it('connect() - throws EINPROGRESS on a non-blocking socket, as Python raises BlockingIOError', async () => {
    const server = track(socket(AF_INET));
    server.bind(['127.0.0.1', 0]);
    server.listen();
    const client = track(socket(AF_INET));
    const err = thrown(() => client.connect(server.getsockname()));
    expect(err).toMatchObject({ code: 'EINPROGRESS', errno: -EINPROGRESS, syscall: 'connect' });
    expect(await until(() => (client.connectEx(server.getsockname()) === osConstants.errno.EISCONN ? true : undefined))).toBe(true);
  });

  it('connect() - a refused TCP connect is reported by SO_ERROR as ECONNREFUSED', async () => {
    const probe = socket(AF_INET);
    probe.bind(['127.0.0.1', 0]);
    const addr = probe.getsockname();
    probe.close(); // nobody listens on that port now
    const client = track(socket(AF_INET));
    expect([EINPROGRESS, osConstants.errno.ECONNREFUSED]).toContain(client.connectEx(addr));
    const soError = await until(() => { const e = client.getsockopt(SOL_SOCKET, SO_ERROR); return e === 0 ? undefined : e; });
    expect(soError).toBe(osConstants.errno.ECONNREFUSED);
  });

  it('bind() - EADDRINUSE as a system error naming the address', () => {
    const a = track(socket(AF_INET));
    a.bind(['127.0.0.1', 0]);
    a.listen();
    const b = track(socket(AF_INET));
    const err = thrown(() => b.bind(a.getsockname()));
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ code: 'EADDRINUSE', errno: -osConstants.errno.EADDRINUSE, syscall: 'bind', address: '127.0.0.1' });
    expect(err.message).toBe(`bind EADDRINUSE 127.0.0.1:${(a.getsockname() as [string, number])[1]}`);
  });

  it('getpeername() - ENOTCONN on an unconnected socket', () => {
    const s = track(socket(AF_INET));
    expect(thrown(() => s.getpeername())).toMatchObject({ code: 'ENOTCONN', syscall: 'getpeername' });
  });
});

describe('AF_UNIX', () => {
  const tmp = useTmpDir('loop-socket-');

  it('bind()/connect()/accept() - a path name: getsockname is the path, the client is unnamed ("")', async () => {
    const path = join(tmp(), 's');
    const server = track(socket(AF_UNIX));
    server.bind(path);
    server.listen();
    expect(server.getsockname()).toBe(path);
    const client = track(socket(AF_UNIX));
    client.connect(path); // a Unix stream connect completes at once
    expect(client.getpeername()).toBe(path);
    expect(client.getsockname()).toBe('');
    const [conn, addr] = await until(() => { try { return server.accept(); } catch { return undefined; } });
    track(conn);
    expect(addr).toBe('');
    client.send(Buffer.from('u'));
    expect(conn.recv(1).toString()).toBe('u');
  });

  it('bind() - a Linux abstract name is a string starting with NUL, and comes back the same', () => {
    const name = `\0loop-socket-test-${process.pid}-${Date.now()}`;
    const server = track(socket(AF_UNIX));
    server.bind(name);
    server.listen();
    expect(server.getsockname()).toBe(name);
    const client = track(socket(AF_UNIX));
    client.connect(name);
    expect(client.getpeername()).toBe(name);
    expect(server.toString()).toContain(`laddr='\\x00loop-socket-test-`);
    expect(client.toString()).toMatch(/^<Socket fd=\d+, family=AF_UNIX, type=SOCK_STREAM, proto=0, raddr='\\x00loop-socket-test-[^']*'>$/);
  });

  it('connect() - a path nobody listens on: ECONNREFUSED system error with errno and syscall', () => {
    const path = join(tmp(), 'dead');
    const s = socket(AF_UNIX);
    s.bind(path);
    s.close(); // the file stays, nobody listens
    const client = track(socket(AF_UNIX));
    const err = thrown(() => client.connect(path));
    expect(err).toMatchObject({ code: 'ECONNREFUSED', errno: -osConstants.errno.ECONNREFUSED, syscall: 'connect', address: path });
    expect(client.connectEx(path)).toBe(osConstants.errno.ECONNREFUSED);
  });
});

describe('descriptors', () => {
  it('socket(), socketpair(), accept() and pipe() - every descriptor is O_NONBLOCK and O_CLOEXEC', async () => {
    const { client, conn, server } = await tcpPair(AF_INET, '127.0.0.1');
    const [a, b] = track(socketpair());
    const [r, w] = pipe();
    try {
      for (const fd of [client.fileno(), conn.fileno(), server.fileno(), a.fileno(), b.fileno(), r, w]) {
        expect(fdFlags(fd) & (O_NONBLOCK | O_CLOEXEC)).toBe(O_NONBLOCK | O_CLOEXEC);
      }
    } finally {
      closeSync(r);
      closeSync(w);
    }
  });

  it('pipe() - a working non-blocking pipe', () => {
    const [r, w] = pipe();
    try {
      expect(writeSync(w, 'p')).toBe(1);
      expect(readFileSync(`/proc/self/fdinfo/${r}`, 'utf8')).toMatch(/flags:/);
    } finally {
      closeSync(r);
      closeSync(w);
    }
  });

  it('setblocking()/getblocking() - toggle O_NONBLOCK', () => {
    const s = track(socket());
    expect(s.getblocking()).toBe(false);
    s.setblocking(true);
    expect(s.getblocking()).toBe(true);
    expect(fdFlags(s.fileno()) & O_NONBLOCK).toBe(0);
    s.setblocking(false);
    expect(s.getblocking()).toBe(false);
    expect(fdFlags(s.fileno()) & O_NONBLOCK).toBe(O_NONBLOCK);
  });

  it('close() - twice is a no-op; fileno() is then -1', () => {
    const s = socket();
    const fd = s.fileno();
    expect(fd).toBeGreaterThanOrEqual(0);
    s.close();
    expect(s.fileno()).toBe(-1);
    expect(s.state).toBe('closed');
    expect(() => s.close()).not.toThrow();
    expect(existsSync(`/proc/self/fd/${fd}`)).toBe(false);
  });

  it('any use after close() - a system error EBADF naming the call, as Python raises OSError [Errno 9]', () => {
    const s = socket();
    s.close();
    const uses: [string, () => unknown][] = [
      ['recv', () => s.recv(1)],
      ['recv', () => s.recvInto(Buffer.alloc(1))],
      ['recv', () => s.tryRecvInto(Buffer.alloc(1))],
      ['send', () => s.send(Buffer.from('x'))],
      ['send', () => s.trySend(Buffer.from('x'))],
      ['bind', () => s.bind(['127.0.0.1', 0])],
      ['listen', () => s.listen()],
      ['accept', () => s.accept()],
      ['connect', () => s.connect(['127.0.0.1', 1])],
      ['connect', () => s.connectEx(['127.0.0.1', 1])],
      ['shutdown', () => s.shutdown(SHUT_WR)],
      ['getsockname', () => s.getsockname()],
      ['getpeername', () => s.getpeername()],
      ['getsockopt', () => s.getsockopt(SOL_SOCKET, SO_ERROR)],
      ['setsockopt', () => s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)],
      ['setblocking', () => s.setblocking(true)],
      ['getblocking', () => s.getblocking()],
    ];
    for (const [syscall, use] of uses) {
      expect(thrown(use)).toMatchObject({ code: 'EBADF', errno: -osConstants.errno.EBADF, syscall });
    }
  });

  it('close()/recv() on a closed socket - never touch a descriptor that reused its number', () => {
    const [a, b] = socketpair();
    const fd = a.fileno();
    a.close();
    // The lowest free number is reused at once: a file now has a's old number.
    const file = openSync('/dev/null', 'r');
    try {
      expect(file).toBe(fd);
      expect(() => a.close()).not.toThrow();
      expect(thrown(() => a.recv(1))).toMatchObject({ code: 'EBADF' });
      expect(thrown(() => a.send(Buffer.from('x')))).toMatchObject({ code: 'EBADF' });
      expect(readlinkSync(`/proc/self/fd/${fd}`)).toBe('/dev/null'); // still open: the file, untouched
    } finally {
      closeSync(file);
      b.close();
    }
  });

  it('detach() - hands the descriptor over open; the socket is then closed', () => {
    const [a, b] = track(socketpair());
    const fd = a.detach();
    expect(a.fileno()).toBe(-1);
    expect(a.detach()).toBe(-1);
    expect(() => a.close()).not.toThrow();
    expect(readlinkSync(`/proc/self/fd/${fd}`)).toMatch(/^socket:/);
    b.send(Buffer.from('still open'));
    closeSync(fd);
  });
});

describe('toString()', () => {
  it('toString() - Python repr style with family, type, laddr and raddr; [closed] after close()', async () => {
    const { client } = await tcpPair(AF_INET, '127.0.0.1');
    const [lhost, lport] = client.getsockname() as [string, number];
    const [rhost, rport] = client.getpeername() as [string, number];
    expect(client.toString()).toBe(
      `<Socket fd=${client.fileno()}, family=AF_INET, type=SOCK_STREAM, proto=0, laddr=('${lhost}', ${lport}), raddr=('${rhost}', ${rport})>`,
    );
    expect(inspect(client)).toBe(client.toString());
    const s = socket(AF_INET6, SOCK_DGRAM);
    s.close();
    expect(String(s)).toBe('<Socket [closed] fd=-1, family=AF_INET6, type=SOCK_DGRAM, proto=0>');
  });
});

describe('bad arguments', () => {
  it('socket() - a non-integer family is a coded TypeError, no descriptor made', () => {
    expect(thrown(() => socket('inet' as never))).toMatchObject({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' });
    expect(thrown(() => new Socket(AF_INET, 1.5))).toMatchObject({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' });
  });

  it('socket() - an unsupported family is the system error of socket(2)', () => {
    expect(thrown(() => socket(12345))).toMatchObject({ code: 'EAFNOSUPPORT', syscall: 'socket' });
  });

  it('send()/recvInto()/trySend() - a string where bytes are required is a coded TypeError', () => {
    const [a] = track(socketpair());
    for (const call of [() => a.send('x' as never), () => a.recvInto('x' as never), () => a.trySend('x' as never), () => a.tryRecvInto([] as never)]) {
      const err = thrown(call);
      expect(err).toBeInstanceOf(TypeError);
      expect(err.code).toBe('ERR_LOOP_INVALID_ARG');
    }
  });

  it('bind()/connect() - a wrong address shape is a TypeError, a bad port or host a RangeError', () => {
    const s = track(socket(AF_INET));
    expect(thrown(() => s.bind('127.0.0.1'))).toMatchObject({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' });
    expect(thrown(() => s.bind(['127.0.0.1', '80'] as never))).toMatchObject({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' });
    expect(thrown(() => s.bind(['127.0.0.1', 70000]))).toMatchObject({ name: 'RangeError', code: 'ERR_LOOP_OUT_OF_RANGE' });
    expect(thrown(() => s.connect(['localhost', 80]))).toMatchObject({ name: 'RangeError', code: 'ERR_LOOP_OUT_OF_RANGE' });
    expect(thrown(() => s.connect(['::1', 80]))).toMatchObject({ name: 'RangeError', code: 'ERR_LOOP_OUT_OF_RANGE' });
    const u = track(socket(AF_UNIX));
    expect(thrown(() => u.bind(['x', 1]))).toMatchObject({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' });
  });

  it('recvInto() - nbytes beyond the buffer is a coded RangeError; setblocking() wants a boolean', () => {
    const [a] = track(socketpair());
    expect(thrown(() => a.recvInto(Buffer.alloc(2), 3))).toMatchObject({ name: 'RangeError', code: 'ERR_LOOP_OUT_OF_RANGE' });
    expect(thrown(() => a.recv(-1))).toMatchObject({ name: 'RangeError', code: 'ERR_LOOP_OUT_OF_RANGE' });
    expect(thrown(() => a.setblocking(1 as never))).toMatchObject({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' });
  });
});

describe('worker threads', () => {
  it('the addon - loads and works in a worker thread, and again after that worker ends', async () => {
    const code = `
      const { parentPort } = require('node:worker_threads');
      const b = require(${JSON.stringify(join(__dirname, '..', 'src', 'binding.cjs'))});
      const [x, y] = b.socketpair(b.constants.AF_UNIX, b.constants.SOCK_STREAM, 0);
      const sent = b.send(x, Buffer.from('from a worker'));
      const buf = Buffer.alloc(64);
      const n = b.recvInto(y, buf, 0);
      b.close(x);
      b.close(y);
      parentPort.postMessage({ sent, text: buf.toString('utf8', 0, n) });`;
    for (let i = 0; i < 2; i++) {
      const worker = new Worker(code, { eval: true });
      const message = await new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      expect(message).toEqual({ sent: 13, text: 'from a worker' });
      expect(await worker.terminate()).toBeDefined();
    }
  });
});
