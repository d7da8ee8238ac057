/**
 * Capabilities: how `@loop/net`, `@loop/subprocess`, `@loop/signals` (and
 * any third party) add their methods to a loop class, and what a loop does
 * when a method's package is absent. The decision is ADR 0001
 * (`docs/adr/0001-loop-composition.md`).
 *
 * HOW and WHY.
 *
 * ```text
 *   BaseEventLoop.prototype          scheduling + executors (real)
 *     + stand-ins                    every other method of AbstractEventLoop:
 *                                    throws/rejects NotImplementedError naming its package
 *        ^
 *        | class extends
 *   compose(BaseEventLoop, net, signals).prototype
 *                                    net's and signals' methods (real), shadowing the stand-ins
 * ```
 *
 * - A {@link Capability} is a package name and a table of methods, called
 *   with `this` = the loop. {@link defineCapability} types `this`.
 * - {@link compose} returns a subclass of the base whose prototype holds the
 *   capabilities' methods. Its static type is the base's instance type
 *   intersected with each capability's method group, so the type shows what
 *   the loop has; composing every group gives a type assignable to
 *   `AbstractEventLoop`.
 * - A loop class may compose a capability typed with fewer groups than it
 *   installs (`const m: Capability<PipeMethods> = backendMethods`): the
 *   proactor does so, because its backend has no fd watching and no `sock*`,
 *   so its type shows only what works (ADR 0001 §4).
 * - A base class's static type declares only what it implements; at run time
 *   {@link installCapabilityStandIns} puts a stand-in on its prototype for each
 *   other method of {@link CAPABILITY_METHODS}, so that a call through an
 *   untyped (or `AbstractEventLoop`-typed) reference fails with a message
 *   naming the package to add ({@link missingCapability}). A stand-in for a
 *   method that returns a Promise rejects; the others throw.
 * - `compose` refuses (TypeError) two capabilities that provide the same
 *   method, and a capability that would hide a method the base really
 *   implements; it may replace stand-ins only.
 *
 * Cost: `compose` runs once per composed class; calls are ordinary prototype
 * method calls.
 *
 * @packageDocumentation
 */

import { NotImplementedError, loopError } from './errors.js';
import type { SchedulingLoop } from './events.js';
import type { AllCapabilityMethods } from './loop-methods.js';

/**
 * A package's contribution to a loop: its name (for messages) and its
 * methods, which are installed on the composed class's prototype and called
 * with `this` = the loop.
 */
export interface Capability<M extends object> {
  /** The npm package that provides the methods, e.g. `'@loop/net'`. */
  readonly packageName: string;
  /** The implementations, one per method of `M`. */
  readonly methods: { readonly [K in keyof M]: M[K] };
}

/** The method group of a capability: `MethodsOf<Capability<NetMethods>>` is `NetMethods`. */
export type MethodsOf<C> = C extends Capability<infer M> ? M : never;

type UnionToIntersection<U> = (U extends unknown ? (arg: U) => void : never) extends (arg: infer I) => void ? I : never;

/** The intersection of the method groups of a list of capabilities (`unknown` for none). */
export type CapabilityMethodsOf<C extends readonly Capability<object>[]> = UnionToIntersection<MethodsOf<C[number]>>;

/** A loop class that `compose` accepts: constructible, making a scheduling loop. */
export type LoopConstructor = new (...args: any[]) => SchedulingLoop;

/**
 * The class `compose(Base, ...capabilities)` returns: `Base`'s constructor
 * and statics, making instances of `InstanceType<Base> & M`.
 */
export type ComposedLoopClass<B extends LoopConstructor, M> = B & { readonly prototype: InstanceType<B> & M } & (new (...args: any[]) => M);

/**
 * Defines a capability, typing `this` in its methods as the loop (a
 * `SchedulingLoop` that also has the capability's own methods). Give `M`
 * explicitly so that each method is checked against the contract:
 *
 * ```ts
 * export const signals = defineCapability<SignalMethods>('@loop/signals', {
 *   addSignalHandler(sig, callback, ...args) { this.callSoon(...) },
 *   removeSignalHandler(sig) { return false },
 * });
 * ```
 *
 * @throws TypeError (`ERR_LOOP_INVALID_ARG`) when `packageName` is not a
 *   non-empty string or a method is not a function.
 */
export function defineCapability<M extends object>(packageName: string, methods: M & ThisType<SchedulingLoop & M>): Capability<M> {
  if (typeof packageName !== 'string' || packageName === '') {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', 'defineCapability(): packageName must be a non-empty string');
  }
  if (typeof methods !== 'object' || methods === null) {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `defineCapability(): the methods of ${packageName} must be an object`);
  }
  for (const key of Reflect.ownKeys(methods)) {
    if (typeof (methods as Record<PropertyKey, unknown>)[key] !== 'function') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `defineCapability(): ${packageName}'s ${String(key)} must be a function`);
    }
  }
  return Object.freeze({ packageName, methods: Object.freeze({ ...methods }) as Capability<M>['methods'] });
}

/** Who provides a method of {@link CAPABILITY_METHODS}. */
export type CapabilityProvider = 'capability' | 'backend' | 'core';

/** What the contracts know of a method beyond scheduling. */
export interface CapabilityMethodInfo {
  /**
   * The package that provides it: `'@loop/net'`, `'@loop/signals'`,
   * `'@loop/subprocess'`, `'@loop/selector'` (file descriptors), `'@loop/selector or
   * @loop/proactor'` (sockets, pipes: any I/O backend), `'@loop/core'` (executors).
   */
  readonly package: string;
  /** A capability package composed in, the loop's I/O backend, or `@loop/core`'s `BaseEventLoop`. */
  readonly provider: CapabilityProvider;
  /** Whether the method returns a Promise (so reports errors by rejecting). */
  readonly async: boolean;
}

/** The name of a method beyond scheduling: a key of a method group. */
export type CapabilityMethodName = keyof AllCapabilityMethods;

const NET = { package: '@loop/net', provider: 'capability', async: true } as const;
const FD = { package: '@loop/selector', provider: 'backend', async: false } as const;
const IO = { package: '@loop/selector or @loop/proactor', provider: 'backend', async: true } as const;
const SIGNALS = { package: '@loop/signals', provider: 'capability', async: false } as const;
const SUBPROCESS = { package: '@loop/subprocess', provider: 'capability', async: true } as const;
const CORE_SYNC = { package: '@loop/core', provider: 'core', async: false } as const;
const CORE_ASYNC = { package: '@loop/core', provider: 'core', async: true } as const;

/**
 * Every method of `AbstractEventLoop` beyond scheduling, with its package,
 * its provider and whether it returns a Promise. Frozen.
 */
export const CAPABILITY_METHODS: { readonly [K in CapabilityMethodName]: CapabilityMethodInfo } = Object.freeze({
  createConnection: NET,
  createDatagramEndpoint: NET,
  createUnixConnection: NET,
  createServer: NET,
  createUnixServer: NET,
  connectAcceptedSocket: NET,
  sendfile: NET,
  startTls: NET,
  getaddrinfo: NET,
  getnameinfo: NET,
  addReader: FD,
  removeReader: FD,
  addWriter: FD,
  removeWriter: FD,
  sockRecv: IO,
  sockRecvInto: IO,
  sockRecvfrom: IO,
  sockRecvfromInto: IO,
  sockSendall: IO,
  sockSendto: IO,
  sockConnect: IO,
  sockAccept: IO,
  sockSendfile: IO,
  connectReadPipe: IO,
  connectWritePipe: IO,
  addSignalHandler: SIGNALS,
  removeSignalHandler: SIGNALS,
  subprocessExec: SUBPROCESS,
  subprocessShell: SUBPROCESS,
  runInExecutor: CORE_SYNC,
  setDefaultExecutor: CORE_SYNC,
  shutdownDefaultExecutor: CORE_ASYNC,
});

/**
 * Method name → the package that provides it (the `package` column of
 * {@link CAPABILITY_METHODS}): `CAPABILITY_PACKAGES.createConnection === '@loop/net'`.
 * Frozen.
 */
export const CAPABILITY_PACKAGES: { readonly [K in CapabilityMethodName]: string } = Object.freeze(
  Object.fromEntries(Object.entries(CAPABILITY_METHODS).map(([name, info]) => [name, info.package])) as {
    [K in CapabilityMethodName]: string;
  },
);

function isCapabilityMethodName(method: string): method is CapabilityMethodName {
  return Object.prototype.hasOwnProperty.call(CAPABILITY_METHODS, method);
}

/**
 * The error for calling `method` on a loop that lacks its package:
 * `NotImplementedError` (`ERR_LOOP_NOT_IMPLEMENTED`) whose message names the
 * method and the package, then `detail` (or a default hint):
 *
 * - `createConnection requires @loop/net; compose it into the loop with compose(...)`
 * - `addReader requires a selector loop (@loop/selector); this loop has no I/O backend`
 * - `sockRecv requires an I/O backend (@loop/selector or @loop/proactor); this loop has no I/O backend`
 * - `runInExecutor requires @loop/core; extend BaseEventLoop, which implements it`
 *
 * A method not in the table gives `<method> is not implemented by this loop`.
 * Returns the error; the caller throws it (or rejects with it).
 */
export function missingCapability(method: string, detail?: string): NotImplementedError {
  if (!isCapabilityMethodName(method)) {
    return new NotImplementedError(`${method} is not implemented by this loop${detail === undefined ? '' : `; ${detail}`}`);
  }
  const info = CAPABILITY_METHODS[method];
  let requirement: string;
  let hint: string;
  switch (info.provider) {
    case 'capability':
      requirement = info.package;
      hint = 'compose it into the loop with compose(...)';
      break;
    case 'backend':
      requirement = info.package === '@loop/selector' ? 'a selector loop (@loop/selector)' : `an I/O backend (${info.package})`;
      hint = 'this loop has no I/O backend';
      break;
    case 'core':
      requirement = info.package;
      hint = 'extend BaseEventLoop, which implements it';
      break;
  }
  return new NotImplementedError(`${method} requires ${requirement}; ${detail ?? hint}`);
}

/**
 * The well-known key (`Symbol.for`, shared by the ESM and CJS copies) under
 * which a method carries its probe: `fn[CAPABILITY_PROBE](loop)` says whether
 * `fn` works on `loop`. Stand-ins' probes say `false`; the backend
 * delegators' probes ask the loop's backend. See {@link hasCapability}.
 */
export const CAPABILITY_PROBE: unique symbol = Symbol.for('@loop/interfaces.capabilityProbe');

const STAND_IN: unique symbol = Symbol.for('@loop/interfaces.standIn');

/** Attaches a probe to a method (see {@link CAPABILITY_PROBE}) and returns the method. */
export function withCapabilityProbe<F extends Function>(fn: F, probe: (loop: object) => boolean): F {
  Object.defineProperty(fn, CAPABILITY_PROBE, { value: probe, enumerable: false, configurable: true, writable: false });
  return fn;
}

/**
 * Makes the stand-in for `method`: a function that throws (or, when the
 * method returns a Promise, returns a promise rejected with)
 * `missingCapability(method)`. Its `name` is `method`;
 * {@link isCapabilityStandIn} recognises it and `compose` may replace it.
 */
export function capabilityStandIn(method: CapabilityMethodName): (...args: unknown[]) => never {
  const info = CAPABILITY_METHODS[method];
  const standIn = info.async
    ? function (): never {
        return Promise.reject(missingCapability(method)) as never;
      }
    : function (): never {
        throw missingCapability(method);
      };
  markStandIn(standIn, method);
  return standIn;
}

/**
 * Marks an existing method as a stand-in for `method` (named `method`,
 * replaceable by `compose`, reported absent by `hasCapability`).
 * `AbstractEventLoop` marks its throwing methods this way.
 */
export function markStandIn(fn: Function, method: string): void {
  Object.defineProperty(fn, 'name', { value: method, configurable: true });
  Object.defineProperty(fn, STAND_IN, { value: method, enumerable: false, configurable: true, writable: false });
  withCapabilityProbe(fn, () => false);
}

/** Whether `fn` is a stand-in made by {@link capabilityStandIn} or marked by {@link markStandIn}. */
export function isCapabilityStandIn(fn: unknown): boolean {
  return typeof fn === 'function' && typeof (fn as unknown as Record<symbol, unknown>)[STAND_IN] === 'string';
}

/**
 * Puts a stand-in on `proto` for every method of {@link CAPABILITY_METHODS}
 * that `proto` (with its chain) lacks, non-enumerable like class methods, and
 * returns the names it installed. Call once on a base loop class:
 * `installCapabilityStandIns(BaseEventLoop.prototype)`. Idempotent.
 */
export function installCapabilityStandIns(proto: object): CapabilityMethodName[] {
  const installed: CapabilityMethodName[] = [];
  for (const method of Object.keys(CAPABILITY_METHODS) as CapabilityMethodName[]) {
    if (method in proto) continue;
    Object.defineProperty(proto, method, { value: capabilityStandIn(method), enumerable: false, configurable: true, writable: true });
    installed.push(method);
  }
  return installed;
}

/**
 * Whether `loop.method` works: it is a function, not a stand-in, and its
 * probe (if any) accepts the loop — a backend delegator on a loop whose
 * backend lacks the operation does not. Conformance suites use it to skip
 * what a loop does not have.
 */
export function hasCapability(loop: object, method: CapabilityMethodName): boolean {
  const fn: unknown = (loop as Record<string, unknown>)[method];
  if (typeof fn !== 'function' || isCapabilityStandIn(fn)) return false;
  const probe: unknown = (fn as unknown as Record<symbol, unknown>)[CAPABILITY_PROBE];
  return typeof probe === 'function' ? (probe as (loop: object) => boolean)(loop) === true : true;
}

/**
 * Composes a loop class: returns a subclass of `Base` (same name, same
 * constructor) whose prototype also holds each capability's methods. The
 * static type of its instances is `InstanceType<Base>` intersected with each
 * capability's methods; `compose(BaseEventLoop)` with no capabilities is a
 * plain subclass.
 *
 * ```ts
 * const NetLoop = compose(BaseEventLoop, net, signals);
 * const loop = new NetLoop();        // BaseEventLoop & NetMethods & SignalMethods
 * ```
 *
 * @throws TypeError (`ERR_LOOP_INVALID_ARG`) when `Base` is not a class, a
 *   capability is malformed, two capabilities provide the same method, or a
 *   capability would hide a method that `Base` implements (stand-ins
 *   excepted).
 */
export function compose<B extends LoopConstructor, const C extends readonly Capability<object>[]>(
  Base: B,
  ...capabilities: C
): ComposedLoopClass<B, CapabilityMethodsOf<C>> {
  if (typeof Base !== 'function' || typeof Base.prototype !== 'object' || Base.prototype === null) {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', 'compose(): the base must be a loop class');
  }
  const Composed = class extends (Base as LoopConstructor) {};
  Object.defineProperty(Composed, 'name', { value: Base.name, configurable: true });
  const providers = new Map<PropertyKey, string>();
  const baseProto = Base.prototype as Record<PropertyKey, unknown>;
  for (const capability of capabilities) {
    const { packageName, methods } = (capability ?? {}) as Partial<Capability<object>>;
    if (typeof packageName !== 'string' || typeof methods !== 'object' || methods === null) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', 'compose(): each capability must be { packageName, methods } (see defineCapability())');
    }
    for (const key of Reflect.ownKeys(methods)) {
      const fn: unknown = (methods as Record<PropertyKey, unknown>)[key];
      const name = String(key);
      if (typeof fn !== 'function') {
        throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `compose(): ${packageName}'s ${name} must be a function`);
      }
      const previous = providers.get(key);
      if (previous !== undefined) {
        throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `compose(): ${name} is provided by both ${previous} and ${packageName}`);
      }
      if (key in baseProto && !isCapabilityStandIn(baseProto[key])) {
        throw loopError(
          TypeError,
          'ERR_LOOP_INVALID_ARG',
          `compose(): ${Base.name} already implements ${name}; ${packageName} would hide it`,
        );
      }
      providers.set(key, packageName);
      Object.defineProperty(Composed.prototype, key, { value: fn, enumerable: false, configurable: true, writable: true });
    }
  }
  return Composed as unknown as ComposedLoopClass<B, CapabilityMethodsOf<C>>;
}

/**
 * The well-known key (`Symbol.for`, shared by the ESM and CJS copies) under
 * which a loop keeps the hooks that its capabilities run when it closes:
 * `loop[CLOSE_HOOKS]` is a `Set` of functions. `BaseEventLoop` has one; a
 * loop written elsewhere may add one. Use {@link onLoopClose}.
 */
export const CLOSE_HOOKS: unique symbol = Symbol.for('@loop/interfaces.closeHooks');

/** A loop that runs hooks when it closes (see {@link CLOSE_HOOKS}). */
export interface CloseHookCarrier {
  /** The hooks, run once each by `close()`, in the order they were added. */
  readonly [CLOSE_HOOKS]: Set<() => void>;
}

/**
 * Asks `loop` to call `hook()` when it closes, before its I/O backend is
 * closed: a capability releases what it holds for the loop there (signal
 * handlers removed, child processes killed and their transports closed, as
 * asyncio's Unix loop does in `close()`). The hook runs once, on the first
 * `close()`; an exception it throws goes to the loop's exception handler and
 * the other hooks still run.
 *
 * Returns a function that withdraws the hook (call it when the resource was
 * released before the loop closed), or `null` when the loop keeps no hooks
 * (a loop without {@link CLOSE_HOOKS}): the caller then releases its
 * resources by other means.
 *
 * @throws TypeError (`ERR_LOOP_INVALID_ARG`) when `hook` is not a function.
 */
export function onLoopClose(loop: object, hook: () => void): (() => void) | null {
  if (typeof hook !== 'function') {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `onLoopClose(): the hook must be a function, not ${typeof hook}`);
  }
  const hooks: unknown = (loop as Partial<CloseHookCarrier>)[CLOSE_HOOKS];
  if (!(hooks instanceof Set)) return null;
  const entry = (): void => hook();
  hooks.add(entry);
  return () => {
    hooks.delete(entry);
  };
}
