/**
 * `ProactorEventLoop`: `BaseEventLoop` with the proactor backend and the
 * backend's I/O methods composed in (ADR 0001 §2).
 *
 * HOW. The class is `compose(BaseEventLoop, backendMethods)`: scheduling from
 * `@loop/core`; `sock*`, fd watching and pipes delegating to the
 * `ProactorBackend` each instance makes for itself. Its static type carries
 * only the pipe methods, the group the backend really provides. The network methods
 * (`createConnection`, `createServer`, streams, TLS) come from `@loop/net`:
 * `compose(ProactorEventLoop, net)`.
 *
 * WHY no fd watching: Node completes I/O on its own handles, as Windows'
 * I/O completion ports do for asyncio's proactor, so there is no readiness
 * to watch; `addReader` and friends throw `NotImplementedError` naming
 * `@loop/selector`, as asyncio's proactor raises `NotImplementedError`.
 *
 * @packageDocumentation
 */

import { BaseEventLoop, type BaseEventLoopOptions } from '@loop/core';
import { backendMethods, compose, type Capability, type PipeMethods } from '@loop/interfaces';
import { ProactorBackend } from './proactor-backend.js';

/** Options of `new ProactorEventLoop()`: the base loop's, without `backend` (the loop makes its own). */
export type ProactorEventLoopOptions = Omit<BaseEventLoopOptions, 'backend'>;

/**
 * `backendMethods` typed with the one group the proactor backend provides:
 * pipes. Its fd-watching and `sock*` delegators are still installed (and fail
 * with `NotImplementedError` naming `@loop/selector`, for
 * callers holding an untyped or `AbstractEventLoop` reference), but the
 * class's type leaves them out, so `loop.addReader(...)` and
 * `loop.sockRecv(...)` do not compile (ADR 0001 §4).
 */
const proactorMethods: Capability<PipeMethods> = backendMethods;

/**
 * asyncio's `ProactorEventLoop` for Node.js: a `BaseEventLoop` whose I/O
 * backend is a {@link ProactorBackend} over Node's `net` and `dgram` handles.
 *
 * ```ts
 * const loop = new ProactorEventLoop();
 * const backend = getBackend(loop)!;          // transports and servers, or compose @loop/net
 * ```
 */
export class ProactorEventLoop extends compose(BaseEventLoop, proactorMethods) {
  constructor(options: ProactorEventLoopOptions = {}) {
    super({ ...options, backend: new ProactorBackend() });
  }
}
