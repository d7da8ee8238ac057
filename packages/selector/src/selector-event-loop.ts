/**
 * `SelectorEventLoop`: `BaseEventLoop` with the selector backend and the
 * backend's I/O methods composed in (ADR 0001 §2), asyncio's default loop on
 * Unix.
 *
 * HOW. The class is `compose(BaseEventLoop, backendMethods)`: scheduling from
 * `@loop/core`; fd watching (`addReader`…), the `sock*` operations and pipes
 * delegating to the `SelectorBackend` each instance makes around its
 * selector. The network methods come from `@loop/net`:
 * `compose(SelectorEventLoop, net)`.
 *
 * @packageDocumentation
 */
import { BaseEventLoop, type BaseEventLoopOptions } from '@loop/core';
import { backendMethods, compose, getBackend } from '@loop/interfaces';
import { SelectorBackend, type ReaderWriter } from './selector-backend.js';
import type { Selector } from './selectors.js';

/** Options of `new SelectorEventLoop(selector, options)`: the base loop's, without `backend` (the loop makes its own). */
export type SelectorEventLoopOptions = Omit<BaseEventLoopOptions, 'backend'>;

/**
 * asyncio's `SelectorEventLoop` for Node.js: a `BaseEventLoop` whose I/O
 * backend is a {@link SelectorBackend} over `selector` (a new
 * `DefaultSelector` when omitted). The loop owns the selector: `close()`
 * closes it.
 *
 * ```ts
 * const loop = new SelectorEventLoop(new SelectSelector());
 * const [r, w] = socketpair();
 * loop.addReader(r, () => { console.log(r.recv(100)); loop.removeReader(r); loop.stop(); });
 * ```
 */
export class SelectorEventLoop extends compose(BaseEventLoop, backendMethods) {
  /**
   * @param selector the selector (Python's `SelectorEventLoop(selector)`); `EpollSelector` when omitted.
   * @param options the base loop's options (`debug`, `clock`…).
   */
  constructor(selector?: Selector | null, options: SelectorEventLoopOptions = {}) {
    super({ ...options, backend: new SelectorBackend(selector as Selector<ReaderWriter> | null | undefined) });
  }

  /** The loop's selector (asyncio's `loop._selector`). */
  get selector(): Selector {
    return (getBackend(this) as SelectorBackend).selector;
  }
}
