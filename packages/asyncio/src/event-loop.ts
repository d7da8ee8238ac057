/**
 * The default loop of `@loop/asyncio`: the platform's loop with every
 * capability composed in, as `asyncio`'s default loop has every method.
 *
 * WHICH loop: the {@link SelectorEventLoop} (readiness, on `@loop/socket`'s
 * native addon: asyncio's default loop on Unix) where the addon loads
 * (Linux; macOS once the addon has its kqueue); else the
 * {@link ProactorEventLoop}, on Node's own handles, which needs no addon.
 * `@loop/socket` imports without its addon and says why (`addonError()`), so
 * the choice is made at run time in both the ESM and the CommonJS build, and
 * a loop whose package cannot work is never constructed.
 *
 * WHAT is composed in, in both: `@loop/net` (connections, servers,
 * datagrams, Unix sockets, TLS, sendfile, DNS, pipes), `@loop/subprocess`
 * and `@loop/signals`.
 *
 * @packageDocumentation
 */
import type { BaseEventLoop } from '@loop/core';
import { compose } from '@loop/interfaces';
import type { FdMethods, NetMethods, PipeMethods, SignalMethods, SockMethods, SubprocessMethods } from '@loop/interfaces';
import { net } from '@loop/net';
import { ProactorEventLoop as ProactorLoopBase } from '@loop/proactor';
import type { ProactorEventLoopOptions } from '@loop/proactor';
import { SelectorEventLoop as SelectorLoopBase } from '@loop/selector';
import type { SelectorEventLoopOptions } from '@loop/selector';
import { signals } from '@loop/signals';
import { addonError } from '@loop/socket';
import { subprocess } from '@loop/subprocess';

/**
 * asyncio's `SelectorEventLoop`, complete: `@loop/selector`'s loop with
 * `net`, `subprocess` and `signals` composed in.
 * `new SelectorEventLoop(selector?, options?)`.
 */
export const SelectorEventLoop = compose(SelectorLoopBase, net, subprocess, signals);
/** An instance of {@link SelectorEventLoop}. */
export type SelectorEventLoop = InstanceType<typeof SelectorEventLoop>;

/**
 * asyncio's `ProactorEventLoop`, complete: `@loop/proactor`'s loop with
 * `net`, `subprocess` and `signals` composed in. `new ProactorEventLoop(options?)`.
 */
export const ProactorEventLoop = compose(ProactorLoopBase, net, subprocess, signals);
/** An instance of {@link ProactorEventLoop}. */
export type ProactorEventLoop = InstanceType<typeof ProactorEventLoop>;

/**
 * What every default loop has: scheduling, the network, pipes, subprocesses
 * and signals, and asyncio's file-descriptor watching and `sock*` methods,
 * which the selector loop implements and the proactor loop refuses with
 * `NotImplementedError` (as asyncio's `ProactorEventLoop` does).
 */
export type EventLoop = BaseEventLoop & NetMethods & PipeMethods & SignalMethods & SubprocessMethods & FdMethods & SockMethods;

/** Options of {@link newDefaultLoop}. */
export type DefaultLoopOptions = SelectorEventLoopOptions & ProactorEventLoopOptions;

/**
 * Which loop {@link newDefaultLoop} makes here: `'selector'` where
 * `@loop/socket`'s addon loaded, else `'proactor'`.
 */
export function defaultBackend(): 'selector' | 'proactor' {
  return addonError() === null ? 'selector' : 'proactor';
}

/**
 * A new default loop (see the module comment): what `newEventLoop()`,
 * `getEventLoop()` and `run()` make once `@loop/asyncio` is imported.
 */
export function newDefaultLoop(options?: DefaultLoopOptions): EventLoop {
  if (defaultBackend() === 'selector') return new SelectorEventLoop(null, options);
  // The proactor's class type leaves out the fd-watching and sock* methods
  // (ADR 0001 §4); its instances have them, refusing with NotImplementedError,
  // which is what the default loop's type promises.
  return new ProactorEventLoop(options) as unknown as EventLoop;
}
