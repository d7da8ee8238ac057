import { closeSync, openSync, readFileSync, readlinkSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  ENOTSOCK,
  IPPROTO_TCP,
  IPPROTO_UDP,
  SOCK_DGRAM,
  SOCK_STREAM,
  Socket,
  fromFd,
  pipe,
  socket,
  socketpair,
  setBlocking,
  getBlocking,
  tryReadInto,
  tryWrite,
  WOULD_BLOCK,
} from '../src/index';
import { thrown, track, useFdCheck } from './helpers';

useFdCheck();

describe('fromFd()', () => {
  it.each([
    ['AF_INET stream', AF_INET, SOCK_STREAM, 0, IPPROTO_TCP],
    ['AF_INET6 datagram', AF_INET6, SOCK_DGRAM, 0, IPPROTO_UDP],
    ['AF_INET explicit proto', AF_INET, SOCK_STREAM, IPPROTO_TCP, IPPROTO_TCP],
    ['AF_UNIX datagram', AF_UNIX, SOCK_DGRAM, 0, 0],
  ])('fromFd(fd) - %s: family, type and proto read from the kernel', (_name, family, type, proto, kernelProto) => {
    const fd = socket(family, type, proto).detach();
    const s = track(fromFd(fd));
    expect(s.fileno()).toBe(fd);
    expect([s.family, s.type, s.proto]).toEqual([family, type, kernelProto]);
    expect(s.state).toBe('open');
  });

  it('fromFd(fd, family, type, proto) - the given values are kept, the socket owns and closes fd', () => {
    const [a, b] = track(socketpair());
    const fd = a.detach();
    const s = fromFd(fd, AF_UNIX, SOCK_STREAM, 0);
    expect([s.family, s.type, s.proto]).toEqual([AF_UNIX, SOCK_STREAM, 0]);
    s.send(Buffer.from('adopted'));
    expect(b.recv(16).toString()).toBe('adopted');
    s.close();
    expect(thrown(() => readlinkSync(`/proc/self/fd/${fd}`))).toMatchObject({ code: 'ENOENT' });
  });

  it('fromFd() - keeps the descriptor blocking state: getblocking() reads O_NONBLOCK', () => {
    const a = socket(AF_INET);
    a.setblocking(true);
    const s = track(fromFd(a.detach()));
    expect(s.getblocking()).toBe(true);
    const b = socket(AF_INET);
    const t = track(fromFd(b.detach()));
    expect(t.getblocking()).toBe(false);
  });

  it('new Socket(undefined, undefined, undefined, fileno) and socket(..., fileno) - the same adoption', () => {
    const s = track(new Socket(undefined, undefined, undefined, socket(AF_INET6, SOCK_DGRAM).detach()));
    expect([s.family, s.type]).toEqual([AF_INET6, SOCK_DGRAM]);
    const [a, b] = track(socketpair(AF_UNIX, SOCK_DGRAM));
    const t = track(socket(AF_UNIX, undefined, undefined, a.detach()));
    expect([t.family, t.type]).toEqual([AF_UNIX, SOCK_DGRAM]);
    t.send(Buffer.from('d'));
    expect(b.recv(4).toString()).toBe('d');
  });

  it('fromFd() - a file or a pipe is the system error ENOTSOCK, and the descriptor stays open', () => {
    const file = openSync('/dev/null', 'r');
    const [r, w] = pipe();
    try {
      for (const fd of [file, r, w]) {
        const err = thrown(() => fromFd(fd));
        expect(err).toMatchObject({ code: 'ENOTSOCK', errno: -ENOTSOCK, syscall: 'getsockopt' });
        expect(readlinkSync(`/proc/self/fd/${fd}`)).toBeTruthy();
      }
      expect(thrown(() => new Socket(AF_INET, SOCK_STREAM, 0, file))).toMatchObject({ code: 'ENOTSOCK' });
    } finally {
      closeSync(file);
      closeSync(r);
      closeSync(w);
    }
  });

  it('fromFd() - a number that is not open is EBADF', () => {
    const s = socket();
    const fd = s.fileno();
    s.close();
    expect(thrown(() => fromFd(fd))).toMatchObject({ code: 'EBADF', errno: -osConstants.errno.EBADF });
  });

  it('fromFd() - a negative fd is a coded RangeError, a non-integer a coded TypeError, both naming the call', () => {
    const neg = thrown(() => fromFd(-1));
    expect(neg).toMatchObject({ name: 'RangeError', code: 'ERR_LOOP_OUT_OF_RANGE' });
    expect(neg.message).toMatch(/^fromFd\(\): fd must be a file descriptor/);
    expect(thrown(() => fromFd(1.5))).toMatchObject({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' });
    expect(thrown(() => fromFd('3' as never))).toMatchObject({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' });
    expect(thrown(() => new Socket(undefined, undefined, undefined, -2))).toMatchObject({ name: 'RangeError', code: 'ERR_LOOP_OUT_OF_RANGE' });
    expect(thrown(() => fromFd(0, 'x' as never))).toMatchObject({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' });
  });
});

describe('descriptor-level calls for pipes and ttys', () => {
  it('setBlocking / getBlocking flip O_NONBLOCK on a pipe end, as os.set_blocking', () => {
    const [r, w] = pipe();
    try {
      expect(getBlocking(r)).toBe(false);
      setBlocking(r, true);
      expect(getBlocking(r)).toBe(true);
      setBlocking(r, false);
      expect(getBlocking(r)).toBe(false);
    } finally {
      closeSync(r);
      closeSync(w);
    }
    expect(thrown(() => getBlocking(r))).toMatchObject({ code: 'EBADF', syscall: 'fcntl' });
    expect(thrown(() => setBlocking(-1, false))).toMatchObject({ code: 'ERR_LOOP_OUT_OF_RANGE' });
  });

  it('tryReadInto / tryWrite move bytes through a pipe, WOULD_BLOCK when empty or full, 0 at EOF, EPIPE without a reader', () => {
    const [r, w] = pipe();
    const buf = Buffer.alloc(70000);
    try {
      expect(tryReadInto(r, buf)).toBe(WOULD_BLOCK);
      expect(tryWrite(w, Buffer.from('hello'))).toBe(5);
      expect(tryReadInto(r, buf)).toBe(5);
      expect(buf.subarray(0, 5).toString()).toBe('hello');
      let total = 0;
      for (;;) {
        const n = tryWrite(w, buf);
        if (n === WOULD_BLOCK) break;
        total += n;
      }
      expect(total).toBeGreaterThan(0);
      closeSync(w);
      let got = 0;
      for (;;) {
        const n = tryReadInto(r, buf);
        if (n === 0) break;
        got += n;
      }
      expect(got).toBe(total);
    } finally {
      closeSync(r);
    }
    const [r2, w2] = pipe();
    closeSync(r2);
    try {
      expect(thrown(() => tryWrite(w2, Buffer.from('x')))).toMatchObject({ code: 'EPIPE', syscall: 'write' });
    } finally {
      closeSync(w2);
    }
  });
});

/** The `flags:` of `/proc/self/fdinfo/<fd>` (octal): the open flags, with `O_CLOEXEC` (02000000) for the descriptor. */
function fdinfoFlags(fd: number): number {
  const line = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('flags:'));
  return parseInt((line as string).slice(6).trim(), 8);
}

describe('Socket.dup()', () => {
  it('a new Socket on a new close-on-exec descriptor naming the same socket: family, type, proto, address and O_NONBLOCK shared', () => {
    const l = track(socket(AF_INET, SOCK_STREAM));
    l.bind(['127.0.0.1', 0]);
    const d = track(l.dup());
    expect(d).toBeInstanceOf(Socket);
    expect(d.fileno()).not.toBe(l.fileno());
    expect(d.fileno()).toBeGreaterThanOrEqual(0);
    expect([d.family, d.type, d.proto]).toEqual([l.family, l.type, l.proto]);
    expect(d.getsockname()).toEqual(l.getsockname());
    expect(readlinkSync(`/proc/self/fd/${d.fileno()}`)).toBe(readlinkSync(`/proc/self/fd/${l.fileno()}`));
    expect(fdinfoFlags(d.fileno()) & 0o2000000).toBe(0o2000000);
    // One open file description: O_NONBLOCK set on one is seen on the other.
    d.setblocking(true);
    expect(l.getblocking()).toBe(true);
    l.setblocking(false);
    expect(d.getblocking()).toBe(false);
  });

  it('closing one descriptor leaves the socket open on the other: a listener duplicated still accepts', () => {
    const l = track(socket(AF_INET, SOCK_STREAM));
    l.bind(['127.0.0.1', 0]);
    l.listen(4);
    const d = track(l.dup());
    const port = (l.getsockname() as [string, number])[1];
    l.close();
    expect(d.getsockname()).toEqual(['127.0.0.1', port]);
    const c = track(socket(AF_INET, SOCK_STREAM));
    c.setblocking(true);
    c.connect(['127.0.0.1', port]);
    d.setblocking(true);
    const [acc] = d.accept();
    track(acc);
    expect(acc.getpeername()).toEqual(c.getsockname());
  });

  it('a Unix datagram socket keeps its kind; a closed socket throws EBADF and makes no descriptor', () => {
    const u = track(socket(AF_UNIX, SOCK_DGRAM));
    const d = track(u.dup());
    expect([d.family, d.type]).toEqual([AF_UNIX, SOCK_DGRAM]);
    u.close();
    const err = thrown(() => u.dup());
    expect(err.code).toBe('EBADF');
    expect(err.syscall).toBe('dup');
  });
});
