import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AF_INET, SEEK_CUR, SEEK_END, SEEK_SET, WOULD_BLOCK, lseek, pipe, sendfile, socket, socketpair } from '../src/index';
import { tcpPair, thrown, track, until, unlessEagain, useFdCheck } from './helpers';

useFdCheck();

let dir: string;
let file: number;
const SIZE = 100_000;
const content = Buffer.alloc(SIZE);
for (let i = 0; i < SIZE; i++) content[i] = (i * 7 + (i >> 8)) & 0xff;

// Once for the file: outside the per-test descriptor count.
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'loop-sendfile-'));
  writeFileSync(join(dir, 'f'), content);
  file = openSync(join(dir, 'f'), 'r');
});
afterAll(() => {
  closeSync(file);
  rmSync(dir, { recursive: true, force: true });
});

/** Reads everything waiting on `s` (non-blocking). */
function drain(s: ReturnType<typeof socket>): Buffer {
  const parts: Buffer[] = [];
  for (;;) {
    const got = unlessEagain(() => s.recv(65536));
    if (got === undefined || got.length === 0) return Buffer.concat(parts);
    parts.push(got);
  }
}

describe('sendfile()', () => {
  it('sendfile(socket, fd, offset, count) - the bytes of the file from offset, and the file position stays', () => {
    const [a, b] = track(socketpair());
    expect(sendfile(a, file, 0, 1000)).toBe(1000);
    expect(drain(b).equals(content.subarray(0, 1000))).toBe(true);
    expect(sendfile(a, file, 50_000, 10)).toBe(10);
    expect(drain(b).equals(content.subarray(50_000, 50_010))).toBe(true);
    const head = Buffer.alloc(4);
    expect(readSync(file, head, 0, 4, null)).toBe(4); // read from the current position: still 0
    expect(head.equals(content.subarray(0, 4))).toBe(true);
  });

  it('sendfile() - a count past the end sends the rest; at and past end of file, 0 (offset up to 2^53-1)', () => {
    const [a, b] = track(socketpair());
    expect(sendfile(a, file, SIZE - 5, 100)).toBe(5);
    expect(drain(b).equals(content.subarray(SIZE - 5))).toBe(true);
    expect(sendfile(a, file, SIZE, 100)).toBe(0);
    expect(sendfile(a, file, 2 ** 40, 100)).toBe(0);
    expect(sendfile(a, file, 0, 0)).toBe(0);
  });

  it('sendfile() - WOULD_BLOCK when the socket is full, then continues once the peer reads', () => {
    const [a, b] = track(socketpair());
    const chunk = Buffer.alloc(65536);
    while (a.trySend(chunk) !== WOULD_BLOCK);
    expect(sendfile(a, file, 0, 1000)).toBe(WOULD_BLOCK);
    drain(b);
    expect(sendfile(a, file, 0, 1000)).toBeGreaterThan(0);
  });

  it('sendfile() - the whole file over TCP to 127.0.0.1, out given as a descriptor number', async () => {
    const { client, conn } = await tcpPair(AF_INET, '127.0.0.1');
    let offset = 0;
    const got: Buffer[] = [];
    await until(() => {
      const n = sendfile(client.fileno(), file, offset, SIZE - offset);
      if (n > 0) offset += n;
      got.push(drain(conn));
      return offset === SIZE ? true : undefined;
    });
    await until(() => {
      got.push(drain(conn));
      return Buffer.concat(got).length === SIZE ? true : undefined;
    });
    expect(Buffer.concat(got).equals(content)).toBe(true);
  });

  it('sendfile() - a peer gone is EPIPE; an input that cannot seek to offset (a pipe) is ESPIPE: system errors', () => {
    const [a, b] = socketpair();
    track(a);
    b.close();
    expect(thrown(() => sendfile(a, file, 0, 10))).toMatchObject({ code: 'EPIPE', errno: -osConstants.errno.EPIPE, syscall: 'sendfile' });
    const [c] = track(socketpair());
    const [r, w] = pipe();
    try {
      expect(thrown(() => sendfile(c, r, 0, 10))).toMatchObject({ code: 'ESPIPE', syscall: 'sendfile' });
    } finally {
      closeSync(r);
      closeSync(w);
    }
  });

  it('sendfile() - a closed socket is EBADF before any system call; bad arguments are coded errors naming the call', () => {
    const s = socket();
    s.close();
    expect(thrown(() => sendfile(s, file, 0, 1))).toMatchObject({ code: 'EBADF', syscall: 'sendfile' });
    const [a] = track(socketpair());
    const range: [string, () => unknown][] = [
      ['offset', () => sendfile(a, file, -1, 1)],
      ['offset', () => sendfile(a, file, 2 ** 53, 1)],
      ['count', () => sendfile(a, file, 0, -1)],
      ['inFd', () => sendfile(a, -1, 0, 1)],
      ['out', () => sendfile(-3, file, 0, 1)],
    ];
    for (const [name, call] of range) {
      const err = thrown(call);
      expect(err).toMatchObject({ name: 'RangeError', code: 'ERR_LOOP_OUT_OF_RANGE' });
      expect(err.message).toMatch(new RegExp(`^sendfile\\(\\): ${name} must be`));
    }
    for (const call of [() => sendfile(a, file, 1.5, 1), () => sendfile('a' as never, file, 0, 1), () => sendfile(a, '3' as never, 0, 1), () => sendfile(a, file, 0, 2n as never)]) {
      expect(thrown(call)).toMatchObject({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' });
    }
  });
});

describe('lseek', () => {
  it('moves and reports the file position (SEEK_SET, SEEK_CUR, SEEK_END); a pipe is ESPIPE', () => {
    const path = join(dir, 'seek.bin');
    writeFileSync(path, 'abcdef');
    const fd = openSync(path, 'r');
    try {
      expect(lseek(fd, 2)).toBe(2);
      expect(lseek(fd, 1, SEEK_CUR)).toBe(3);
      expect(lseek(fd, 0, SEEK_END)).toBe(6);
      expect(lseek(fd, 2 ** 40, SEEK_SET)).toBe(2 ** 40);
      expect(thrown(() => lseek(fd, -1))).toMatchObject({ code: 'EINVAL', syscall: 'lseek' });
    } finally {
      closeSync(fd);
    }
    const [r, w] = pipe();
    try {
      expect(thrown(() => lseek(r, 0))).toMatchObject({ code: 'ESPIPE' });
    } finally {
      closeSync(r);
      closeSync(w);
    }
  });
});
