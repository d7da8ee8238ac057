/**
 * Python's `selectors` module: `SelectorKey`, `EVENT_READ` / `EVENT_WRITE`,
 * and the selectors `EpollSelector` (the `DefaultSelector` on Linux),
 * `PollSelector` and `SelectSelector`, on `@loop/socket`'s primitives.
 *
 * WHAT IS STORED. A selector maps each registered descriptor to its
 * `SelectorKey` (`fileobj`, `fd`, `events`, `data`), as Python's
 * `_BaseSelectorImpl._fd_to_key`; the kernel side is an epoll instance
 * (`EpollSelector`) or the map itself (`PollSelector`, `SelectSelector`,
 * which pass it to `poll(2)` on each `select`).
 *
 * Python's rules kept: `register` of a descriptor already registered and
 * `unregister` / `modify` / `getKey` of one that is not are `KeyError`s
 * (here `RangeError` with code `ERR_LOOP_LOOKUP`); invalid events are a
 * `ValueError` (`RangeError`, `ERR_LOOP_OUT_OF_RANGE`); a file object whose
 * `fileno()` now fails (closed) is still found by identity, so it can be
 * unregistered; `select(timeout)` returns `[key, readyEvents & key.events]`
 * pairs; `timeout` `null` (or omitted) blocks the thread, `<= 0` polls;
 * every method but `close` on a closed selector is a `RuntimeError`
 * (`Selector is closed`).
 *
 * `select()` with a timeout other than 0 blocks the JavaScript thread, as
 * Python's does; a loop never does that (ADR 0005): it calls `select(0)`.
 *
 * @packageDocumentation
 */
import { RuntimeError, describeValue, fileDescriptorOf, loopError } from '@loop/interfaces';
import type { FileDescriptorLike } from '@loop/interfaces';
import { EVENT_READ, EVENT_WRITE, Epoll, pollFds } from '@loop/socket';

export { EVENT_READ, EVENT_WRITE };

/** A registered file object: Python's `selectors.SelectorKey` (immutable). */
export interface SelectorKey<D = unknown> {
  /** What was registered: a descriptor or an object with `fileno()`. */
  readonly fileobj: FileDescriptorLike;
  /** Its descriptor. */
  readonly fd: number;
  /** The events watched: `EVENT_READ`, `EVENT_WRITE` or both. */
  readonly events: number;
  /** The caller's data. */
  readonly data: D;
}

/** A ready descriptor as `select()` returns it: the key and the ready events. */
export type SelectorEvent<D = unknown> = [key: SelectorKey<D>, events: number];

/**
 * What `SelectorEventLoop` needs of a selector: Python's `BaseSelector`
 * interface. A selector of your own implements it (or extends
 * {@link BaseSelector}).
 */
export interface Selector<D = unknown> {
  /** Watches `fileobj` for `events` (EVENT_READ | EVENT_WRITE), with `data` attached. */
  register(fileobj: FileDescriptorLike, events: number, data?: D): SelectorKey<D>;
  /** Stops watching `fileobj`; returns its key. */
  unregister(fileobj: FileDescriptorLike): SelectorKey<D>;
  /** Changes the events or data of a registered `fileobj`. */
  modify(fileobj: FileDescriptorLike, events: number, data?: D): SelectorKey<D>;
  /** Waits up to `timeout` seconds (`null`: no limit) and returns the ready keys with their events. */
  select(timeout?: number | null): SelectorEvent<D>[];
  /** The key of a registered `fileobj`. */
  getKey(fileobj: FileDescriptorLike): SelectorKey<D>;
  /** The registered keys by descriptor. */
  getMap(): ReadonlyMap<number, SelectorKey<D>>;
  /** Releases the selector. */
  close(): void;
}

function makeKey<D>(fileobj: FileDescriptorLike, fd: number, events: number, data: D): SelectorKey<D> {
  return Object.freeze({ fileobj, fd, events, data });
}

function lookupError(message: string): RangeError {
  return loopError(RangeError, 'ERR_LOOP_LOOKUP', message);
}

function describeFileobj(fileobj: unknown): string {
  return typeof fileobj === 'number' ? String(fileobj) : describeValue(fileobj);
}

/**
 * Python's `_BaseSelectorImpl`: the map of keys and the argument rules.
 * Subclasses implement `select` and may extend `register`, `unregister`,
 * `modify` and `close` to keep a kernel object in step.
 */
export abstract class BaseSelector<D = unknown> implements Selector<D> {
  #keys: Map<number, SelectorKey<D>> | null = new Map();

  /** The map, or the `RuntimeError` of a closed selector. */
  protected keys(): Map<number, SelectorKey<D>> {
    if (this.#keys === null) throw loopError(RuntimeError, 'ERR_LOOP_CLOSED', 'Selector is closed');
    return this.#keys;
  }

  /** The descriptor of `fileobj`, or that of the key registered with this very object (its `fileno()` may fail once closed). */
  protected lookupFd(fileobj: FileDescriptorLike): number {
    try {
      return fileDescriptorOf(fileobj);
    } catch (err) {
      for (const key of this.keys().values()) if (key.fileobj === fileobj) return key.fd;
      throw err;
    }
  }

  /**
   * Watches `fileobj` for `events` (`EVENT_READ`, `EVENT_WRITE`, or both).
   *
   * @throws RangeError (`ERR_LOOP_OUT_OF_RANGE`) for invalid events or descriptor;
   *   (`ERR_LOOP_LOOKUP`) when the descriptor is already registered.
   */
  register(fileobj: FileDescriptorLike, events: number, data?: D): SelectorKey<D> {
    const keys = this.keys();
    this.checkEvents('register', events);
    const fd = this.lookupFd(fileobj);
    const old = keys.get(fd);
    if (old !== undefined) throw lookupError(`${this.constructor.name}.register(): ${describeFileobj(fileobj)} (FD ${fd}) is already registered`);
    const key = makeKey(fileobj, fd, events, data as D);
    keys.set(fd, key);
    return key;
  }

  /**
   * Stops watching `fileobj`; returns its key.
   *
   * @throws RangeError (`ERR_LOOP_LOOKUP`) when it is not registered.
   */
  unregister(fileobj: FileDescriptorLike): SelectorKey<D> {
    const keys = this.keys();
    const fd = this.lookupFd(fileobj);
    const key = keys.get(fd);
    if (key === undefined) throw lookupError(`${this.constructor.name}.unregister(): ${describeFileobj(fileobj)} is not registered`);
    keys.delete(fd);
    return key;
  }

  /**
   * Changes the events and data of a registered `fileobj`; returns the new key.
   *
   * @throws RangeError (`ERR_LOOP_LOOKUP`) when it is not registered; (`ERR_LOOP_OUT_OF_RANGE`) for invalid events.
   */
  modify(fileobj: FileDescriptorLike, events: number, data?: D): SelectorKey<D> {
    const keys = this.keys();
    const fd = this.lookupFd(fileobj);
    const key = keys.get(fd);
    if (key === undefined) throw lookupError(`${this.constructor.name}.modify(): ${describeFileobj(fileobj)} is not registered`);
    this.checkEvents('modify', events);
    if (events !== key.events) {
      this.unregister(fileobj);
      return this.register(fileobj, events, data);
    }
    if (data !== key.data) {
      const next = makeKey(key.fileobj, fd, events, data as D);
      keys.set(fd, next);
      return next;
    }
    return key;
  }

  /** Python's `ValueError('Invalid events: …')`. */
  protected checkEvents(api: string, events: unknown): void {
    if (typeof events !== 'number' || !Number.isInteger(events) || events <= 0 || (events & ~(EVENT_READ | EVENT_WRITE)) !== 0) {
      throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `${this.constructor.name}.${api}(): Invalid events: ${describeValue(events)}`);
    }
  }

  /** Waits for readiness; see the file header. */
  abstract select(timeout?: number | null): SelectorEvent<D>[];

  /**
   * The key of a registered `fileobj`.
   *
   * @throws RangeError (`ERR_LOOP_LOOKUP`) when it is not registered.
   */
  getKey(fileobj: FileDescriptorLike): SelectorKey<D> {
    const keys = this.keys();
    const key = keys.get(this.lookupFd(fileobj));
    if (key === undefined) throw lookupError(`${this.constructor.name}.getKey(): ${describeFileobj(fileobj)} is not registered`);
    return key;
  }

  /** The registered keys by descriptor (a read-only view). */
  getMap(): ReadonlyMap<number, SelectorKey<D>> {
    return this.keys();
  }

  /** Forgets every registration. Idempotent. Never closes the registered descriptors. */
  close(): void {
    this.#keys = null;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#keys === null;
  }

  /** `using sel = new DefaultSelector()`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** The events of `key` that are in `ready`, as Python filters `select()`'s results. */
  protected static ready<D>(key: SelectorKey<D>, ready: number): number {
    return ready & key.events;
  }
}

/**
 * Python's `selectors.EpollSelector`: registrations live in an epoll
 * instance; `select` is one `epoll_wait`. `fileno()` is the epoll descriptor
 * (what `SelectorEventLoop` watches to be woken).
 */
export class EpollSelector<D = unknown> extends BaseSelector<D> {
  readonly #epoll = new Epoll();
  #out = new Int32Array(512);

  /** The epoll descriptor; `-1` once closed. */
  fileno(): number {
    return this.#epoll.fileno();
  }

  override register(fileobj: FileDescriptorLike, events: number, data?: D): SelectorKey<D> {
    const key = super.register(fileobj, events, data);
    try {
      this.#epoll.register(key.fd, events);
    } catch (err) {
      super.unregister(fileobj);
      throw err;
    }
    return key;
  }

  override unregister(fileobj: FileDescriptorLike): SelectorKey<D> {
    const key = super.unregister(fileobj);
    try {
      this.#epoll.unregister(key.fd);
    } catch {
      // The descriptor was closed before being unregistered: the kernel already dropped it.
    }
    return key;
  }

  override modify(fileobj: FileDescriptorLike, events: number, data?: D): SelectorKey<D> {
    const keys = this.keys();
    const fd = this.lookupFd(fileobj);
    const key = keys.get(fd);
    if (key === undefined || events === key.events) return super.modify(fileobj, events, data);
    this.checkEvents('modify', events);
    this.#epoll.modify(fd, events);
    const next = makeKey(key.fileobj, fd, events, data as D);
    keys.set(fd, next);
    return next;
  }

  override select(timeout?: number | null): SelectorEvent<D>[] {
    const keys = this.keys();
    const out = this.#out;
    const n = this.#epoll.wait(out, timeout ?? null);
    const ready: SelectorEvent<D>[] = [];
    for (let i = 0; i < n; i++) {
      const key = keys.get(out[2 * i]);
      if (key === undefined) continue;
      const events = (out[2 * i + 1]) & key.events;
      if (events !== 0) ready.push([key, events]);
    }
    return ready;
  }

  /**
   * @internal The loop's allocation-free `select(0)`: writes `fd, events`
   * pairs into `out`, returns how many. Events are not yet masked by the keys.
   */
  _selectRaw(out: Int32Array): number {
    if (this.closed) throw loopError(RuntimeError, 'ERR_LOOP_CLOSED', 'Selector is closed');
    return this.#epoll.wait(out, 0);
  }

  override close(): void {
    super.close();
    this.#epoll.close();
  }
}

/**
 * Python's `selectors.PollSelector`: `poll(2)` over the registered
 * descriptors on each `select`.
 */
export class PollSelector<D = unknown> extends BaseSelector<D> {
  #fds = new Int32Array(3 * 64);

  override select(timeout?: number | null): SelectorEvent<D>[] {
    const keys = [...this.keys().values()];
    if (this.#fds.length < keys.length * 3) this.#fds = new Int32Array(keys.length * 6);
    const fds = this.#fds;
    keys.forEach((key, i) => {
      fds[3 * i] = key.fd;
      fds[3 * i + 1] = key.events;
      fds[3 * i + 2] = 0;
    });
    const n = pollFds(fds, keys.length, timeout ?? null);
    const ready: SelectorEvent<D>[] = [];
    if (n === 0) return ready;
    keys.forEach((key, i) => {
      const events = (fds[3 * i + 2]) & key.events;
      if (events !== 0) ready.push([key, events]);
    });
    return ready;
  }
}

/** `select(2)`'s limit: descriptors from 0 to FD_SETSIZE - 1. */
const FD_SETSIZE = 1024;

/**
 * Python's `selectors.SelectSelector`, with `select(2)`'s limit: a
 * descriptor of `FD_SETSIZE` (1024) or more cannot be registered
 * (`ValueError: filedescriptor out of range in select()`, here a
 * `RangeError`). Waits with `poll(2)`, which reports the same readiness.
 */
export class SelectSelector<D = unknown> extends PollSelector<D> {
  override register(fileobj: FileDescriptorLike, events: number, data?: D): SelectorKey<D> {
    const fd = this.lookupFd(fileobj);
    if (fd >= FD_SETSIZE) {
      throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `SelectSelector.register(): filedescriptor out of range in select() (${fd} >= ${FD_SETSIZE})`);
    }
    return super.register(fileobj, events, data);
  }
}

/** The most efficient selector of the platform: `EpollSelector` on Linux. */
export const DefaultSelector = EpollSelector;
/** The most efficient selector of the platform: `EpollSelector` on Linux. */
export type DefaultSelector<D = unknown> = EpollSelector<D>;
