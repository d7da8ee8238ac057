/**
 * The process object that receives signals: Node's own, even when this code
 * runs in a `vm` context whose global `process` is a copy.
 *
 * WHY: a test runner that sandboxes modules (jest's node environment) gives
 * them a copy of `process` with its own listener table; `process.on('SIGUSR1')`
 * there never reaches Node's signal wiring, so the handler would be silently
 * missing and the signal would kill the process. Node's own modules live in
 * the main realm, whose `Function` evaluates in the main realm's global
 * scope: `fs.readFileSync.constructor('return process')()` is the real
 * process. Outside a sandbox it is the same object as `process`.
 *
 * Used by `@loop/signals` (its listeners) and `@loop/core`'s `run()` (is
 * anybody else listening for SIGINT?).
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';

function mainRealmProcess(): NodeJS.Process {
  try {
    const MainFunction = (readFileSync as unknown as { constructor: FunctionConstructor }).constructor;
    const p = MainFunction('return typeof process === "object" ? process : undefined')() as NodeJS.Process | undefined;
    if (p !== undefined && typeof p.on === 'function' && p.pid === process.pid) return p;
  } catch {
    // A realm without Function evaluation: fall back on this realm's process.
  }
  return process;
}

/** Node's process object (see the module comment). */
export const nodeProcess: NodeJS.Process = mainRealmProcess();
