// Python's selectors module, as CPython's test_selectors checks it, on real
// socketpairs, pipes and files: every selector class runs the same tests.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Socket, socketpair } from '@loop/socket';
import { DefaultSelector, EVENT_READ, EVENT_WRITE, EpollSelector, PollSelector, SelectSelector, type BaseSelector } from '../src/index';

const openFds = (): number => readdirSync('/proc/self/fd').length;

function thrown(fn: () => unknown): any {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

let fdsBefore = 0;
const cleanup: (() => void)[] = [];
function pair(): [Socket, Socket] {
  const p = socketpair();
  cleanup.push(() => {
    p[0].close();
    p[1].close();
  });
  return p;
}

beforeEach(() => {
  fdsBefore = openFds();
});

afterEach(() => {
  for (const fn of cleanup.splice(0)) fn();
  expect(openFds()).toBe(fdsBefore);
});

const CLASSES: [string, new () => BaseSelector][] = [
  ['EpollSelector', EpollSelector],
  ['PollSelector', PollSelector],
  ['SelectSelector', SelectSelector],
];

describe.each(CLASSES)('%s', (name, Cls) => {
  function make(): BaseSelector {
    const sel = new Cls();
    cleanup.push(() => sel.close());
    return sel;
  }

  it('register returns the key (fileobj, fd, events, data) and getKey / getMap find it', () => {
    const sel = make();
    const [a] = pair();
    const key = sel.register(a, EVENT_READ, 'data');
    expect(key).toEqual({ fileobj: a, fd: a.fileno(), events: EVENT_READ, data: 'data' });
    expect(Object.isFrozen(key)).toBe(true);
    expect(sel.getKey(a)).toBe(key);
    expect(sel.getKey(a.fileno())).toBe(key);
    expect(sel.getMap().get(a.fileno())).toBe(key);
    expect(sel.getMap().size).toBe(1);
  });

  it('register refuses invalid events (ValueError) and a registered fd (KeyError)', () => {
    const sel = make();
    const [a] = pair();
    for (const bad of [0, 4, -1, 1.5, EVENT_READ | 8]) {
      const err = thrown(() => sel.register(a, bad));
      expect(err).toBeInstanceOf(RangeError);
      expect(err.code).toBe('ERR_LOOP_OUT_OF_RANGE');
      expect(err.message).toBe(`${name}.register(): Invalid events: ${bad}`);
    }
    sel.register(a, EVENT_READ);
    const dup = thrown(() => sel.register(a.fileno(), EVENT_WRITE));
    expect(dup).toBeInstanceOf(RangeError);
    expect(dup.code).toBe('ERR_LOOP_LOOKUP');
    expect(dup.message).toBe(`${name}.register(): ${a.fileno()} (FD ${a.fileno()}) is already registered`);
  });

  it('register refuses a bad file object: a negative fd, an object without a descriptor', () => {
    const sel = make();
    expect(thrown(() => sel.register(-1, EVENT_READ)).message).toBe('Invalid file descriptor: -1');
    const err = thrown(() => sel.register({} as never, EVENT_READ));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.code).toBe('ERR_LOOP_INVALID_ARG');
  });

  it('unregister returns the key; a second unregister is a KeyError', () => {
    const sel = make();
    const [a] = pair();
    const key = sel.register(a, EVENT_READ);
    expect(sel.unregister(a)).toBe(key);
    expect(sel.getMap().size).toBe(0);
    const err = thrown(() => sel.unregister(a));
    expect(err.code).toBe('ERR_LOOP_LOOKUP');
    expect(err.message).toBe(`${name}.unregister(): ${a.toString()} is not registered`);
    expect(thrown(() => sel.getKey(a)).code).toBe('ERR_LOOP_LOOKUP');
  });

  it('a file object closed before unregister is found by identity (test_unregister_after_fd_close_and_reuse)', () => {
    const sel = make();
    const [a, b] = socketpair();
    cleanup.push(() => b.close());
    sel.register(a, EVENT_READ);
    a.close();
    expect(sel.unregister(a).fileobj).toBe(a);
    expect(sel.getMap().size).toBe(0);
  });

  it('modify changes events (a new key) or only data (the same fd, new data)', () => {
    const sel = make();
    const [a] = pair();
    const k1 = sel.register(a, EVENT_READ, 1);
    const k2 = sel.modify(a, EVENT_WRITE, 1);
    expect(k2).not.toBe(k1);
    expect(k2.events).toBe(EVENT_WRITE);
    expect(sel.getKey(a)).toBe(k2);
    const k3 = sel.modify(a, EVENT_WRITE, 2);
    expect(k3.data).toBe(2);
    expect(k3.events).toBe(EVENT_WRITE);
    expect(sel.modify(a, EVENT_WRITE, 2)).toBe(k3);
    const err = thrown(() => sel.modify(999, EVENT_READ));
    expect(err.code).toBe('ERR_LOOP_LOOKUP');
    expect(thrown(() => sel.modify(a, 0)).code).toBe('ERR_LOOP_OUT_OF_RANGE');
    // A failed modify leaves the registration as it was.
    expect(sel.getKey(a)).toBe(k3);
  });

  it('select(0) reports readiness masked by the registered events', () => {
    const sel = make();
    const [a, b] = pair();
    sel.register(a, EVENT_READ | EVENT_WRITE, 'a');
    sel.register(b, EVENT_READ, 'b');
    // Both writable, nothing to read: b (read only) is not reported.
    let ready = sel.select(0);
    expect(ready.map(([k, ev]) => [k.data, ev])).toEqual([['a', EVENT_WRITE]]);
    b.send(Buffer.from('x'));
    ready = sel.select(0);
    expect(ready.map(([k, ev]) => [k.data, ev])).toEqual([['a', EVENT_READ | EVENT_WRITE]]);
    sel.modify(a, EVENT_READ, 'a');
    ready = sel.select(0);
    expect(ready.map(([k, ev]) => [k.data, ev])).toEqual([['a', EVENT_READ]]);
  });

  it('select(timeout) waits about that long when nothing is ready (test_timeout)', () => {
    const sel = make();
    const [a] = pair();
    sel.register(a, EVENT_READ);
    const t0 = performance.now();
    expect(sel.select(0.05)).toEqual([]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
    expect(sel.select(-1 as number) instanceof Array).toBe(true);
  });

  it('a hung-up peer makes the descriptor readable (EOF), as a reset does', () => {
    const sel = make();
    const [a, b] = socketpair();
    cleanup.push(() => a.close());
    sel.register(a, EVENT_READ);
    b.close();
    expect(sel.select(0).map(([k, ev]) => [k.fd, ev])).toEqual([[a.fileno(), EVENT_READ]]);
  });

  it('close() forgets every key; every method but close then throws "Selector is closed"', () => {
    const sel = new Cls();
    const [a] = pair();
    sel.register(a, EVENT_READ);
    sel.close();
    sel.close();
    for (const fn of [() => sel.register(a, EVENT_READ), () => sel.getKey(a), () => sel.getMap(), () => sel.select(0), () => sel.unregister(a)]) {
      const err = thrown(fn);
      expect(err.message).toBe('Selector is closed');
      expect(err.code).toBe('ERR_LOOP_CLOSED');
    }
  });

  it('using: Symbol.dispose closes it', () => {
    let sel: BaseSelector;
    {
      using s = new Cls();
      sel = s;
    }
    expect(sel.closed).toBe(true);
  });
});

describe('the selector classes', () => {
  it('DefaultSelector is EpollSelector on Linux; fileno() is its epoll descriptor, -1 once closed', () => {
    expect(DefaultSelector).toBe(EpollSelector);
    const sel = new DefaultSelector();
    const fd = sel.fileno();
    expect(fd).toBeGreaterThan(2);
    expect(readdirSync('/proc/self/fd').includes(String(fd))).toBe(true);
    sel.close();
    expect(sel.fileno()).toBe(-1);
  });

  it('a regular file: EpollSelector refuses it (EPERM, as Python), PollSelector reports it always ready', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loop-sel-'));
    const fd = openSync(join(dir, 'f'), 'w+');
    try {
      const ep = new EpollSelector();
      const err = thrown(() => ep.register(fd, EVENT_READ));
      expect(err.code).toBe('EPERM');
      expect(err.syscall).toBe('epoll_ctl');
      expect(ep.getMap().size).toBe(0);
      ep.close();
      const poll = new PollSelector();
      poll.register(fd, EVENT_READ | EVENT_WRITE);
      expect(poll.select(0).map(([, ev]) => ev)).toEqual([EVENT_READ | EVENT_WRITE]);
      poll.close();
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true });
    }
  });

  it('SelectSelector refuses a descriptor >= FD_SETSIZE, as select(2) must', () => {
    const sel = new SelectSelector();
    const err = thrown(() => sel.register(1024, EVENT_READ));
    expect(err).toBeInstanceOf(RangeError);
    expect(err.message).toBe('SelectSelector.register(): filedescriptor out of range in select() (1024 >= 1024)');
    expect(new PollSelector().register(1024, EVENT_READ).fd).toBe(1024);
    sel.close();
  });

  it('PollSelector with many descriptors (more than its first array)', () => {
    const sel = new PollSelector();
    const pairs = Array.from({ length: 100 }, () => pair());
    for (const [a] of pairs) sel.register(a, EVENT_WRITE);
    expect(sel.select(0).length).toBe(100);
    sel.close();
  });
});
