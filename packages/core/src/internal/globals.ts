/**
 * Process-wide state of @loop/core, kept on `globalThis` under a
 * `Symbol.for` key so that the ESM and the CommonJS builds, if both are
 * loaded, share one running loop, one policy and one current context (the
 * dual-package hazard; see docs/adr/0001-loop-composition.md).
 */
import type { Context } from '../context.js';

/** The logger that the loop writes to. */
export interface Logger {
  /** Logs at error level. */
  error(message: string, ...rest: unknown[]): void;
  /** Logs at warning level. */
  warn(message: string, ...rest: unknown[]): void;
  /** Logs at info level. */
  info(message: string, ...rest: unknown[]): void;
  /** Logs at debug level. */
  debug(message: string, ...rest: unknown[]): void;
}

interface CoreGlobals {
  /** The context entered by `Context.run`, or null between callbacks. */
  currentContext: Context | null;
  /** The thread's base context (Python's context of the main thread). */
  rootContext: Context | null;
  logger: Logger | null;
  policy: unknown;
  taskCounter: number;
  /** What the default policy's `newEventLoop()` makes (core: a BaseEventLoop; `@loop/asyncio`: its full loop). */
  loopFactory: (() => unknown) | null;
}

const KEY = Symbol.for('@loop/core.globals.v2');
const holder = globalThis as unknown as Record<symbol, CoreGlobals | undefined>;

/** The shared state. */
export const G: CoreGlobals = (holder[KEY] ??= {
  currentContext: null,
  rootContext: null,
  logger: null,
  policy: null,
  taskCounter: 0,
  loopFactory: null,
});
