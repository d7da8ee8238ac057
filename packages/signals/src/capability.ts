/**
 * The `signals` capability: asyncio's `add_signal_handler` /
 * `remove_signal_handler` (Unix loops) on Node's process signal events,
 * composed into any loop class with `compose(ProactorEventLoop, net, signals)`.
 *
 * HOW.
 *
 * ```text
 *   kill(pid, SIGUSR1)
 *     -> libuv's signal pipe -> Node emits process 'SIGUSR1'
 *        -> this loop's listener: loop.callSoonThreadsafe(callback bound to its context, ...args)
 *           -> the loop runs the callback as a Handle in a later iteration
 * ```
 *
 * - Each loop keeps its handlers in a table keyed by signal number (one
 *   handler per signal per loop, a second replaces the first), and has one
 *   `process.on(name, listener)` per handled signal. The callback never runs
 *   inside Node's listener: the listener only schedules it, as asyncio's C
 *   signal handler only writes the number to the loop's wakeup descriptor.
 * - The callback runs in a copy of the context current at
 *   `addSignalHandler` (asyncio's `Handle(callback, args, loop, None)` copies
 *   the context), the same copy at every delivery.
 * - `close()` removes the loop's handlers (registered with `onLoopClose`).
 * - The listeners go on Node's own process object (`nodeProcess` from `@loop/interfaces`), also
 *   when the package runs in a sandbox with a copy of `process` (jest).
 *
 * WHY the keepers: Node ignores `SIGPIPE` and `SIGXFSZ` and lets the
 * inspector catch `SIGUSR1`, but once the last listener of a signal goes,
 * libuv resets it to `SIG_DFL`, which for those three kills the process. So
 * the first handler for one of them also installs a no-op listener that stays
 * for the life of the process: the signal stays harmless (docs/deviations.md
 * D77). `SIGINT` and `SIGTERM` need nothing: without listeners they end the
 * process again, Node's default.
 *
 * WHY each loop hears its signals: asyncio's wakeup descriptor is
 * process-wide, so with two loops only the last one that added a handler
 * hears any signal; here every loop with a handler for a signal runs it
 * (docs/deviations.md D75).
 *
 * @packageDocumentation
 */
import { isMainThread } from 'node:worker_threads';
import { RuntimeError, closedError, defineCapability, describeValue, loopError, nodeProcess, onLoopClose, type SchedulingLoop, type SignalMethods } from '@loop/interfaces';
import { copyContext, isCoroutine, isCoroutineFunction } from '@loop/core';
import { resolveSignal, type ResolvedSignal } from './signal-names.js';

/** One installed handler: its signal and the listener given to `process.on`. */
interface Installed {
  readonly signal: ResolvedSignal;
  readonly listener: () => void;
}

/** A loop's handlers, and the withdrawal of its close hook. */
interface LoopSignals {
  readonly handlers: Map<number, Installed>;
  withdraw: (() => void) | null;
}

const tables = new WeakMap<object, LoopSignals>();

/** Signals whose disposition Node sets at start-up and libuv cannot give back (see the module comment). */
const KEEP_CAUGHT: ReadonlySet<string> = new Set(['SIGPIPE', 'SIGXFSZ', 'SIGUSR1']);
const kept = new Set<string>();
const keeper = (): void => {};

/** Installs the process-lifetime no-op listener for `name` when it needs one. */
function keepCaught(name: NodeJS.Signals): void {
  if (!KEEP_CAUGHT.has(name) || kept.has(name)) return;
  nodeProcess.on(name, keeper);
  kept.add(name);
}

/** The uncatchable signals: `sigaction()` refuses them with `EINVAL`. */
const UNCATCHABLE: ReadonlySet<string> = new Set(['SIGKILL', 'SIGSTOP']);

function uncatchable(signum: number): RuntimeError {
  return new RuntimeError(`sig ${signum} cannot be caught`, { code: 'ERR_LOOP_SIGNAL_UNCATCHABLE' });
}

/** Removes `entry`'s listener; the keeper (if any) was installed before it. */
function unlisten(entry: Installed): void {
  nodeProcess.removeListener(entry.signal.name, entry.listener);
}

function removeAll(loop: object): void {
  const table = tables.get(loop);
  if (table === undefined) return;
  tables.delete(loop);
  table.withdraw?.();
  for (const entry of table.handlers.values()) unlisten(entry);
  table.handlers.clear();
}

function addSignalHandler(loop: SchedulingLoop, sig: unknown, callback: unknown, args: unknown[]): void {
  if (isCoroutine(callback) || (typeof callback === 'function' && isCoroutineFunction(callback))) {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', 'coroutines cannot be used with addSignalHandler()');
  }
  if (typeof callback !== 'function') {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `addSignalHandler(): a callable object was expected, got ${describeValue(callback)}`);
  }
  const signal = resolveSignal('addSignalHandler', sig);
  if (loop.isClosed()) throw closedError();
  if (!isMainThread) {
    throw new RuntimeError(
      'addSignalHandler(): set_wakeup_fd only works in main thread of the main interpreter (signals reach the main thread only; this is a worker thread)',
      { code: 'ERR_LOOP_NOT_MAIN_THREAD' },
    );
  }
  if (UNCATCHABLE.has(signal.name)) throw uncatchable(signal.signum);

  const bound = copyContext().bind(callback as (...a: unknown[]) => unknown);
  const listener = (): void => {
    if (loop.isClosed()) {
      // A loop without close hooks (onLoopClose returned null) closed with this handler installed.
      removeAll(loop);
      return;
    }
    loop.callSoonThreadsafe(bound, ...args);
  };
  const entry: Installed = { signal, listener };

  keepCaught(signal.name);
  try {
    nodeProcess.on(signal.name, listener);
  } catch (err) {
    nodeProcess.removeListener(signal.name, listener);
    if ((err as { code?: unknown }).code === 'EINVAL') throw uncatchable(signal.signum);
    throw err;
  }
  let table = tables.get(loop);
  if (table === undefined) {
    table = { handlers: new Map(), withdraw: null };
    tables.set(loop, table);
    table.withdraw = onLoopClose(loop, () => removeAll(loop));
  }
  const previous = table.handlers.get(signal.signum);
  table.handlers.set(signal.signum, entry);
  // The new listener is in place before the old one goes, so the signal never falls back to its default between.
  if (previous !== undefined) unlisten(previous);
}

function removeSignalHandler(loop: SchedulingLoop, sig: unknown): boolean {
  const signal = resolveSignal('removeSignalHandler', sig);
  const table = tables.get(loop);
  const entry = table?.handlers.get(signal.signum);
  if (table === undefined || entry === undefined) return false;
  table.handlers.delete(signal.signum);
  unlisten(entry);
  if (table.handlers.size === 0) {
    tables.delete(loop);
    table.withdraw?.();
  }
  return true;
}

/**
 * `@loop/signals`' methods (`SignalMethods`), to compose into a loop class:
 *
 * ```ts
 * const Loop = compose(ProactorEventLoop, net, signals);
 * const loop = new Loop();
 * loop.addSignalHandler('SIGTERM', () => loop.stop());
 * ```
 *
 * `addSignalHandler(sig, callback, ...args)` accepts a signal number
 * (`os.constants.signals.SIGTERM`) or a name (`'SIGTERM'`); the callback runs
 * as a loop callback (a `Handle`) in a later iteration, in the context
 * current when it was added. `removeSignalHandler(sig)` returns whether the
 * loop had a handler for `sig`. `close()` removes them all.
 */
export const signals = defineCapability<SignalMethods>('@loop/signals', {
  addSignalHandler(sig, callback, ...args) {
    addSignalHandler(this, sig, callback, args);
  },
  removeSignalHandler(sig) {
    return removeSignalHandler(this, sig);
  },
});

/**
 * The signals `loop` has a handler for, as canonical names in the order they
 * were first added (for tests and diagnostics).
 */
export function handledSignals(loop: object): NodeJS.Signals[] {
  const table = tables.get(loop);
  return table === undefined ? [] : [...table.handlers.values()].map((e) => e.signal.name);
}
