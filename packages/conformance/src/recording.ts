/**
 * What both test harnesses (the scheduling one in `harness.ts`, the network
 * one in `net/harness.ts`) record and check the same way: the library's log
 * records, the stopping of a loop left running, and the teardown's report of
 * exception-handler calls and `error` records the test did not declare.
 *
 * @packageDocumentation
 */
import type { ExceptionContext } from '@loop/interfaces';

/** One record written through the replaced logger. */
export interface LogRecord {
  /** The logger method called. */
  level: 'error' | 'warn' | 'info' | 'debug';
  /** The arguments it was called with. */
  args: unknown[];
  /** The string arguments joined with a newline (errors and objects left out). */
  text: string;
}

/** A logger (for `setLogger`) that appends to `logs` instead of printing. */
export function recordingLogger(logs: LogRecord[]): Record<LogRecord['level'], (...args: unknown[]) => void> {
  const log =
    (level: LogRecord['level']) =>
    (...args: unknown[]): void => {
      const text = args.filter((a): a is string => typeof a === 'string').join('\n');
      logs.push({ level, args, text });
    };
  return { error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug') };
}

/** Stops a running loop and gives it up to 100 Node turns to return. */
export async function stopRunning(loop: { isRunning(): boolean; stop(): void }): Promise<void> {
  if (!loop.isRunning()) return;
  loop.stop();
  for (let n = 0; n < 100 && loop.isRunning(); n++) await new Promise((r) => setImmediate(r));
}

/** `name: message` of an error (`String(e)` for anything else). */
export function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/**
 * The teardown's problems with what was recorded: exception-handler calls
 * when none were declared, `error` log records when none were declared.
 */
export function undeclaredRecords(
  exceptions: readonly ExceptionContext[],
  exceptionsExpected: boolean,
  logs: readonly LogRecord[],
  logsExpected: boolean,
): string[] {
  const problems: string[] = [];
  if (!exceptionsExpected && exceptions.length > 0) {
    const msgs = exceptions.map((c) => `  ${c.message} (${describeError(c.exception)})`).join('\n');
    problems.push(`the exception handler was called unexpectedly:\n${msgs}`);
  }
  const errors = logs.filter((r) => r.level === 'error');
  if (!logsExpected && errors.length > 0) {
    problems.push(`unexpected error log records:\n${errors.map((r) => `  ${r.text}`).join('\n')}`);
  }
  return problems;
}
