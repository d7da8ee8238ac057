/**
 * Readiness primitives on the addon (native/poll.c): an epoll instance, a
 * `poll(2)` call, and a `Watcher` that lets Node's own event loop watch one
 * descriptor. `@loop/selector` builds Python's `selectors` and the
 * `SelectorEventLoop` on them (ADR 0005).
 *
 * Events are Python's `selectors` bits, {@link EVENT_READ} and
 * {@link EVENT_WRITE}; an error or hang-up on a descriptor is reported as
 * both, as Python's `EpollSelector` does. Nothing here allocates per event:
 * `Epoll.wait` and `pollFds` write into typed arrays the caller keeps.
 *
 * @packageDocumentation
 */
import { constants as osConstants } from 'node:os';
import { describeValue, loopError } from '@loop/interfaces';
import binding from './binding.cjs';
import { requireAddon } from './addon.js';
import { errnoError } from './internal/errno.js';

/** Readable: Python's `selectors.EVENT_READ`. */
export const EVENT_READ = 1;
/** Writable: Python's `selectors.EVENT_WRITE`. */
export const EVENT_WRITE = 2;

interface NativeWatcher {
  open(): number;
  start(events: number): number;
  stop(): number;
  ref(on: boolean): number;
  close(): number;
}

const native = binding as unknown as {
  epollCreate(): number;
  epollCtl(epfd: number, op: number, fd: number, events: number): number;
  epollWait(epfd: number, out: Int32Array, timeoutMs: number): number;
  pollFds(fds: Int32Array, n: number, timeoutMs: number): number;
  Watcher: new (fd: number, callback: (events: number) => void) => NativeWatcher;
};

const NEG_EBADF = -osConstants.errno.EBADF;
const CTL_ADD = 1;
const CTL_DEL = 2;
const CTL_MOD = 3;

function checkFd(api: string, fd: unknown): number {
  if (typeof fd !== 'number' || !Number.isInteger(fd)) {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}: fd must be an integer, got ${describeValue(fd)}`);
  }
  if (fd < 0 || fd > 0x7fffffff) throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `${api}: fd must be a non-negative integer, got ${fd}`);
  return fd;
}

function checkEvents(api: string, events: unknown): number {
  if (typeof events !== 'number' || !Number.isInteger(events) || events <= 0 || (events & ~(EVENT_READ | EVENT_WRITE)) !== 0) {
    throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `${api}: events must be EVENT_READ, EVENT_WRITE or both, got ${describeValue(events)}`);
  }
  return events;
}

/** Milliseconds for the kernel from Python's timeout in seconds: `null` blocks, `<= 0` polls, else rounded up. */
function timeoutMs(api: string, timeout: number | null | undefined): number {
  if (timeout === null || timeout === undefined) return -1;
  if (typeof timeout !== 'number' || Number.isNaN(timeout)) {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}: timeout must be a number of seconds or null, got ${describeValue(timeout)}`);
  }
  if (timeout <= 0) return 0;
  return Math.min(0x7fffffff, Math.ceil(timeout * 1000));
}

/**
 * An epoll instance (Linux). Owns its descriptor from construction to
 * `close()`; every use after that is a system error `EBADF`.
 */
export class Epoll {
  #fd: number;

  /** Makes an epoll instance (close-on-exec). @throws a system error (`EMFILE`…). */
  constructor() {
    requireAddon('Epoll');
    const fd = native.epollCreate();
    if (fd < 0) throw errnoError('epoll_create1', fd);
    this.#fd = fd;
  }

  /** The epoll descriptor, `-1` once closed. */
  fileno(): number {
    return this.#fd;
  }

  #ctl(api: string, op: number, fd: unknown, events: number): void {
    const n = checkFd(api, fd);
    if (this.#fd < 0) throw errnoError('epoll_ctl', NEG_EBADF);
    const rc = native.epollCtl(this.#fd, op, n, events);
    if (rc < 0) throw errnoError('epoll_ctl', rc);
  }

  /** Watches `fd` for `events`. @throws a system error: `EEXIST` (already watched), `EPERM` (a regular file), `EBADF`. */
  register(fd: number, events: number): void {
    this.#ctl('Epoll.register', CTL_ADD, fd, checkEvents('Epoll.register', events));
  }

  /** Changes the events watched on `fd`. @throws a system error: `ENOENT` when not watched. */
  modify(fd: number, events: number): void {
    this.#ctl('Epoll.modify', CTL_MOD, fd, checkEvents('Epoll.modify', events));
  }

  /** Stops watching `fd`. @throws a system error: `ENOENT` when not watched, `EBADF` when already closed. */
  unregister(fd: number): void {
    this.#ctl('Epoll.unregister', CTL_DEL, fd, 0);
  }

  /**
   * Waits up to `timeout` seconds (`0` or negative: not at all; `null`:
   * forever, blocking the thread) and writes the ready descriptors into
   * `out` as pairs `fd, events`; returns how many pairs (at most
   * `out.length / 2`, and at most 256 per call). An interrupted wait returns 0.
   */
  wait(out: Int32Array, timeout: number | null = 0): number {
    if (!(out instanceof Int32Array) || out.length < 2) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `Epoll.wait: out must be an Int32Array of at least 2 elements, got ${describeValue(out)}`);
    }
    const ms = timeoutMs('Epoll.wait', timeout);
    if (this.#fd < 0) throw errnoError('epoll_wait', NEG_EBADF);
    const n = native.epollWait(this.#fd, out, ms);
    if (n < 0) throw errnoError('epoll_wait', n);
    return n;
  }

  /** Closes the epoll descriptor. Idempotent. */
  close(): void {
    const fd = this.#fd;
    if (fd < 0) return;
    this.#fd = -1;
    binding.close(fd);
  }
}

/**
 * `poll(2)` over `n` descriptors: `fds` holds `n` triples
 * `fd, events, revents`; `revents` is written. Waits up to `timeout`
 * seconds (`null`: forever). Returns the number of ready descriptors (0 when
 * interrupted).
 *
 * @throws a system error of `poll` (`EINVAL` when `fds` is too short).
 */
export function pollFds(fds: Int32Array, n: number, timeout: number | null = 0): number {
  requireAddon('pollFds');
  if (!(fds instanceof Int32Array)) throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `pollFds: fds must be an Int32Array, got ${describeValue(fds)}`);
  if (!Number.isInteger(n) || n < 0 || n * 3 > fds.length) {
    throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `pollFds: n must be an integer from 0 to fds.length / 3, got ${describeValue(n)}`);
  }
  const rc = native.pollFds(fds, n, timeoutMs('pollFds', timeout));
  if (rc < 0) throw errnoError('poll', rc);
  return rc;
}

/**
 * Lets Node's event loop watch one descriptor (a libuv poll handle):
 * `callback(events)` runs from Node's poll phase, with microtasks drained
 * after it, each time the descriptor is ready for the started events. An
 * error on the descriptor is reported as both events.
 *
 * One watcher per descriptor per thread: libuv cannot have two, so a second
 * `Watcher` of the same fd fails with `EEXIST`. Descriptors Node itself
 * watches (a `net.Socket`'s) must not be given here. The watcher never
 * closes the descriptor; `close()` (or the end of the thread) releases the
 * handle. Close the watcher BEFORE its descriptor: libuv forgets a
 * descriptor by number when its handle stops, and a number the kernel has
 * since reused (for one of Node's own sockets, say) would lose its
 * registration. A started watcher keeps the process alive unless
 * `ref(false)`; a stopped one dropped without `close()` is released when
 * collected, and holds its descriptor's slot until then.
 */
export class Watcher {
  readonly #native: NativeWatcher;
  readonly #fd: number;
  #closed = false;

  /**
   * @throws TypeError / RangeError for a bad `fd` or `callback`.
   * @throws a system error from libuv: `EEXIST` (already watched on this
   *   thread), `EPERM` (a regular file cannot be polled), `EBADF`.
   */
  constructor(fd: number, callback: (events: number) => void) {
    requireAddon('Watcher');
    this.#fd = checkFd('new Watcher', fd);
    if (typeof callback !== 'function') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `new Watcher: callback must be a function, got ${describeValue(callback)}`);
    }
    this.#native = new native.Watcher(fd, callback);
    const rc = this.#native.open();
    if (rc < 0) {
      this.#native.close();
      this.#closed = true;
      throw errnoError('uv_poll_init', rc);
    }
  }

  /** The watched descriptor. */
  get fd(): number {
    return this.#fd;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Starts (or changes) watching for `events`. @throws a system error `EBADF` once closed. */
  start(events: number): void {
    const rc = this.#native.start(checkEvents('Watcher.start', events));
    if (rc < 0) throw errnoError('uv_poll_start', rc);
  }

  /** Stops watching, until the next `start`. A no-op once closed. */
  stop(): void {
    this.#native.stop();
  }

  /** Whether a started watcher keeps the process alive (it does by default). */
  ref(on: boolean): void {
    this.#native.ref(on);
  }

  /** Releases the handle (never the descriptor). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#native.close();
  }
}
