import { closeSync, openSync, readlinkSync } from 'node:fs';
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
