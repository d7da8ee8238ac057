/**
 * The logger the loop writes to: unhandled exceptions at `error`, slow
 * callbacks (debug mode) at `warn`. Replace it with `setLogger`.
 *
 * @packageDocumentation
 */
import { loopError } from '@loop/interfaces';
import { G } from './internal/globals.js';
import type { Logger } from './internal/globals.js';

export type { Logger };

const consoleLogger: Logger = {
  error: (message, ...rest) => console.error(message, ...rest),
  warn: (message, ...rest) => console.error(message, ...rest),
  info: (message, ...rest) => console.error(message, ...rest),
  debug: (message, ...rest) => console.error(message, ...rest),
};

/** The current logger (the default writes every level to `console.error`). */
export function getLogger(): Logger {
  return G.logger ?? consoleLogger;
}

/** Replaces the logger; `null` restores the default. */
export function setLogger(logger: Logger | null): void {
  if (logger !== null) {
    for (const level of ['error', 'warn', 'info', 'debug'] as const) {
      if (typeof logger?.[level] !== 'function') {
        throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `setLogger(): the logger must have an ${level}() method, or be null`);
      }
    }
  }
  G.logger = logger;
}
