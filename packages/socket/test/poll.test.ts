// The readiness primitives (native/poll.c): Epoll, pollFds and Watcher, on
// real socketpairs, pipes and files, in the main thread and in workers.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { EVENT_READ, EVENT_WRITE, Epoll, Watcher, pipe, pollFds, socketpair } from '../src/index';
import { openFds, thrown, track, until, useFdCheck, useTmpDir } from './helpers';

useFdCheck();
const tmp = useTmpDir('loop-poll-');

describe('Epoll', () => {
  it('register / modify / unregister are epoll_ctl; wait(out, 0) writes fd, events pairs', () => {
    const ep = new Epoll();
    try {
      const [a, b] = track(socketpair());
      const out = new Int32Array(16);
      ep.register(a.fileno(), EVENT_READ);
      expect(ep.wait(out, 0)).toBe(0);
      b.send(Buffer.from('x'));
      expect(ep.wait(out, 0)).toBe(1);
      expect([out[0], out[1]]).toEqual([a.fileno(), EVENT_READ]);
      ep.modify(a.fileno(), EVENT_READ | EVENT_WRITE);
      expect(ep.wait(out, 0)).toBe(1);
      expect(out[1]).toBe(EVENT_READ | EVENT_WRITE);
      ep.unregister(a.fileno());
      expect(ep.wait(out, 0)).toBe(0);
    } finally {
      ep.close();
    }
  });

  it('system errors: EEXIST, ENOENT, EPERM for a regular file, EBADF once closed', () => {
    const ep = new Epoll();
    const [a, b] = track(socketpair());
    ep.register(a.fileno(), EVENT_READ);
    expect(thrown(() => ep.register(a.fileno(), EVENT_READ))).toMatchObject({ code: 'EEXIST', syscall: 'epoll_ctl' });
    expect(thrown(() => ep.modify(b.fileno(), EVENT_READ))).toMatchObject({ code: 'ENOENT' });
    expect(thrown(() => ep.unregister(b.fileno()))).toMatchObject({ code: 'ENOENT' });
    expect(thrown(() => ep.unregister(999))).toMatchObject({ code: 'EBADF' });
    const fd = openSync(join(tmp(), 'f'), 'w');
    try {
      expect(thrown(() => ep.register(fd, EVENT_READ))).toMatchObject({ code: 'EPERM' });
    } finally {
      closeSync(fd);
    }
    ep.close();
    ep.close();
    expect(ep.fileno()).toBe(-1);
    expect(thrown(() => ep.register(a.fileno(), EVENT_READ))).toMatchObject({ code: 'EBADF' });
    expect(thrown(() => ep.wait(new Int32Array(2), 0))).toMatchObject({ code: 'EBADF' });
  });

  it('bad arguments are typed errors naming the call', () => {
    const ep = new Epoll();
    try {
      expect(thrown(() => ep.register(-1, EVENT_READ))).toMatchObject({ code: 'ERR_LOOP_OUT_OF_RANGE', message: 'Epoll.register: fd must be a non-negative integer, got -1' });
      expect(thrown(() => ep.register(1.5, EVENT_READ))).toBeInstanceOf(TypeError);
      expect(thrown(() => ep.register(0, 4))).toMatchObject({ code: 'ERR_LOOP_OUT_OF_RANGE' });
      expect(thrown(() => ep.wait(new Int32Array(1)))).toBeInstanceOf(TypeError);
      expect(thrown(() => ep.wait(new Int32Array(2), 'soon' as never))).toBeInstanceOf(TypeError);
    } finally {
      ep.close();
    }
  });

  it('a hang-up or an error is reported as readable and writable, as Python maps EPOLLHUP / EPOLLERR', () => {
    const ep = new Epoll();
    try {
      const [r, w] = pipe();
      const out = new Int32Array(4);
      ep.register(w, EVENT_WRITE);
      closeSync(r);
      expect(ep.wait(out, 0)).toBe(1);
      expect(out[1]).toBe(EVENT_READ | EVENT_WRITE);
      closeSync(w);
    } finally {
      ep.close();
    }
  });

  it('wait(out, timeout) blocks about that long; more ready fds than out holds are reported by the next wait', () => {
    const ep = new Epoll();
    try {
      const pairs = Array.from({ length: 5 }, () => track(socketpair()));
      for (const [a] of pairs) ep.register(a.fileno(), EVENT_WRITE);
      const out = new Int32Array(4);
      expect(ep.wait(out, 0)).toBe(2);
      const [x] = track(socketpair());
      ep.register(x.fileno(), EVENT_READ);
      for (const [a] of pairs) ep.unregister(a.fileno());
      const t0 = performance.now();
      expect(ep.wait(out, 0.03)).toBe(0);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    } finally {
      ep.close();
    }
  });
});

describe('pollFds', () => {
  it('writes revents for each (fd, events, revents) triple', () => {
    const [a, b] = track(socketpair());
    const fds = new Int32Array([a.fileno(), EVENT_READ, -1, b.fileno(), EVENT_READ | EVENT_WRITE, -1]);
    expect(pollFds(fds, 2, 0)).toBe(1);
    expect([fds[2], fds[5]]).toEqual([0, EVENT_WRITE]);
    b.send(Buffer.from('x'));
    expect(pollFds(fds, 2, 0)).toBe(2);
    expect(fds[2]).toBe(EVENT_READ);
    expect(thrown(() => pollFds(fds, 3, 0))).toMatchObject({ code: 'ERR_LOOP_OUT_OF_RANGE' });
  });
});

describe('Watcher', () => {
  it('calls back from Node when the fd is ready, with promise jobs drained after it', async () => {
    const [a, b] = track(socketpair());
    const log: string[] = [];
    const w = new Watcher(a.fileno(), (events) => {
      log.push(`cb ${events}`);
      void Promise.resolve().then(() => log.push('microtask'));
      a.recv(10);
      setImmediate(() => log.push('immediate'));
    });
    try {
      w.start(EVENT_READ);
      b.send(Buffer.from('x'));
      await until(() => (log.includes('immediate') ? true : undefined));
      expect(log).toEqual(['cb 1', 'microtask', 'immediate']);
    } finally {
      w.close();
    }
  });

  it('one watcher per fd per thread (EEXIST); a regular file cannot be watched (EPERM)', () => {
    const [a] = track(socketpair());
    const w = new Watcher(a.fileno(), () => {});
    try {
      expect(thrown(() => new Watcher(a.fileno(), () => {}))).toMatchObject({ code: 'EEXIST', syscall: 'uv_poll_init' });
    } finally {
      w.close();
    }
    // Closed: the fd can be watched again.
    new Watcher(a.fileno(), () => {}).close();
    const fd = openSync(join(tmp(), 'f'), 'w');
    try {
      expect(thrown(() => new Watcher(fd, () => {}))).toMatchObject({ code: 'EPERM' });
    } finally {
      closeSync(fd);
    }
  });

  it('stop() pauses the callbacks, start() changes the events; close() is idempotent, and start after it is EBADF', async () => {
    const [a] = track(socketpair());
    let n = 0;
    const w = new Watcher(a.fileno(), () => n++);
    w.start(EVENT_WRITE);
    await until(() => (n > 0 ? true : undefined));
    w.stop();
    const seen = n;
    await new Promise((r) => setTimeout(r, 20));
    expect(n).toBe(seen);
    w.start(EVENT_READ);
    await new Promise((r) => setTimeout(r, 20));
    expect(n).toBe(seen);
    w.close();
    w.close();
    expect(w.closed).toBe(true);
    expect(thrown(() => w.start(EVENT_READ))).toMatchObject({ code: 'EBADF' });
    w.stop();
  });

  it('a callback that throws is an uncaught exception of the process, as any Node callback', () => {
    const script = `
      const s = require(${JSON.stringify(join(__dirname, '..', 'dist', 'cjs', 'index.js'))});
      const [a, b] = s.socketpair();
      process.on('uncaughtException', (err) => { console.log('uncaught ' + err.message); w.close(); a.close(); b.close(); });
      const w = new s.Watcher(a.fileno(), () => { w.stop(); throw new Error('boom'); });
      w.start(s.EVENT_WRITE);
    `;
    expect(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })).toBe('uncaught boom\n');
  });

  it('bad arguments are typed errors', () => {
    expect(thrown(() => new Watcher(-2, () => {}))).toMatchObject({ code: 'ERR_LOOP_OUT_OF_RANGE' });
    expect(thrown(() => new Watcher(0, 'cb' as never))).toMatchObject({ code: 'ERR_LOOP_INVALID_ARG' });
  });

  it('works in a worker thread, and a worker terminated with watchers started releases them (no crash, no leaked fd)', async () => {
    const before = openFds();
    const code = `
      const { parentPort } = require('node:worker_threads');
      const s = require(${JSON.stringify(join(__dirname, '..', 'dist', 'cjs', 'index.js'))});
      const [a, b] = s.socketpair();
      const ep = new s.Epoll();
      ep.register(a.fileno(), s.EVENT_READ);
      const w = new s.Watcher(ep.fileno(), () => {
        w.stop();
        // Watchers left started: terminate() must close them.
        new s.Watcher(b.fileno(), () => {}).start(s.EVENT_WRITE);
        parentPort.postMessage(['ready ' + ep.wait(new Int32Array(4), 0), [a.detach(), b.detach(), ep.fileno()]]);
      });
      w.start(s.EVENT_READ);
      b.send(Buffer.from('x'));
    `;
    for (let i = 0; i < 3; i++) {
      const worker = new Worker(code, { eval: true });
      const [msg, fds] = await new Promise<[string, number[]]>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      expect(msg).toBe('ready 1');
      await worker.terminate();
      // The worker's descriptors are the process's: the test closes them once the worker is gone.
      for (const fd of fds) closeSync(fd);
    }
    expect(openFds()).toBe(before);
  });
});
