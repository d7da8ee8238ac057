/**
 * The conformance harness: every behaviour test gets fresh loops from the
 * loop factory under test, virtual time, a recording exception handler, a
 * recording logger, and a shared teardown that fails the test on leaks.
 *
 * HOW: `defineLoopTest(newLoop, options)` returns an `it`-like function. Each
 * test body receives a {@link LoopTest} `t`:
 *
 *   t.loop         the loop under test (created lazily, with `t.clock`)
 *   t.newLoop()    another loop (S09's "other loop"), tracked like the first
 *   t.close()      asserts that no handle is pending, then closes t.loop
 *   t.exceptions   the contexts the recording exception handler received
 *   t.expectExceptionHandlerCalls()   declares that calls are expected
 *   t.logs         what the library logged (setLogger is replaced per test)
 *   t.expectLogs() declares that `error` records are expected
 *   t.trace()      oracle-style trace lines: `it<N> [t=<time>] message`
 *
 * WHY the teardown fails a test (as uvloop's and Trio's suites do):
 *   - a loop left open (not `isClosed()`): the test must close what it opens;
 *   - an exception-handler call the test did not declare: a callback or task
 *     failed somewhere the test did not look;
 *   - an `error` log record the test did not declare (the default exception
 *     handler logs at `error`).
 * Pending handles are checked by `t.close()` (loopStats ready/timers before
 * closing). A test that means to drop pending work calls `t.loop.close()`
 * itself, which the teardown accepts.
 *
 * When the body itself failed, the teardown only cleans up (stops and closes
 * the loops) so that the body's error is the one reported.
 */
import { afterEach, it as jestIt } from '@jest/globals';
import {
  BaseEventLoop,
  VirtualClock,
  loopStats,
  setLogger,
  type LoopStats,
} from '@loop/core';
import type { ExceptionContext } from '@loop/interfaces';
import { describeError, recordingLogger, stopRunning, undeclaredRecords, type LogRecord } from './recording.js';

/** Options a suite passes to the loop factory. */
export interface LoopFactoryOptions {
  /**
   * The clock the loop reads time from: the scheduling suites pass a
   * `VirtualClock` (or `undefined`, the loop's own real clock); the network
   * suites pass none, as real sockets need real time.
   */
  clock?: VirtualClock;
  /** Debug mode; `undefined` lets the loop read `LOOP_DEBUG`. */
  debug?: boolean;
}

/**
 * Makes a fresh loop of the kind under test. `L` is what the loop can do: a
 * `BaseEventLoop` for the scheduling suites, a `NetLoop` (an I/O backend and
 * `@loop/net` composed in) for the network suites too.
 */
export interface LoopFactory<L extends BaseEventLoop = BaseEventLoop> {
  (options?: LoopFactoryOptions): L;
}

/** How a whole conformance run is configured. */
export interface SuiteOptions {
  /** Debug mode for every loop the harness creates (the suites run once with each value). */
  debug: boolean;
}

export type { LogRecord } from './recording.js';

/** Per-test options of a loop test. */
export interface LoopTestOptions {
  /**
   * Install the recording exception handler on the harness's loops
   * (default `true`). Tests of the exception-handler API itself turn it off.
   */
  recordExceptions?: boolean;
  /** Per-test timeout in milliseconds (default 10 000). */
  timeout?: number;
}

/** Formats a trace line's time like Python's `f'{t:.Nf}'`. */
export interface TraceOptions {
  /** Digits after the decimal point of `t=`; omit to leave `t=` out. */
  timeDigits?: number;
}

/** Oracle-style trace: `it<N> [t=<time>] message` lines. */
export interface Trace {
  /** The lines recorded so far. */
  readonly lines: string[];
  /** Appends `it<N> t=<time> msg` (N = iterations so far). */
  log(msg: string): void;
  /** Appends `msg` as is (the oracle's plain `print`). */
  print(msg: string): void;
}

/** Builds a trace over `loop` (`t=` read from `loop.time()`). */
export function trace(loop: BaseEventLoop, options: TraceOptions = {}): Trace {
  const lines: string[] = [];
  return {
    lines,
    log(msg: string): void {
      const it = `it${loopStats(loop).iterations}`;
      const t = options.timeDigits === undefined ? '' : ` t=${loop.time().toFixed(options.timeDigits)}`;
      lines.push(`${it}${t} ${msg}`);
    },
    print(msg: string): void {
      lines.push(msg);
    },
  };
}

/** What a test body receives. */
export class LoopTest {
  /** The virtual clock `t.loop` reads time from. */
  readonly clock = new VirtualClock();
  /** Contexts received by the recording exception handler, in call order. */
  readonly exceptions: ExceptionContext[] = [];
  /** Records written through the library's logger during the test. */
  readonly logs: LogRecord[] = [];
  readonly #newLoop: LoopFactory;
  readonly #suite: SuiteOptions;
  readonly #record: boolean;
  readonly #loops: BaseEventLoop[] = [];
  #finished = false;
  #loop: BaseEventLoop | undefined;
  #exceptionsExpected = false;
  #logsExpected = false;

  constructor(newLoop: LoopFactory, suite: SuiteOptions, options: LoopTestOptions) {
    this.#newLoop = newLoop;
    this.#suite = suite;
    this.#record = options.recordExceptions ?? true;
  }

  /** The suite's debug setting. */
  get debug(): boolean {
    return this.#suite.debug;
  }

  /** The loop under test, created on first use with `this.clock`. */
  get loop(): BaseEventLoop {
    if (this.#loop === undefined) this.#loop = this.newLoop({ clock: this.clock });
    return this.#loop;
  }

  /**
   * Another loop from the factory (debug as the suite says unless given; a
   * new VirtualClock unless `clock` is given — `clock: undefined` asks for
   * the loop's own real clock), tracked by the teardown like `t.loop`.
   */
  newLoop(options: LoopFactoryOptions = {}): BaseEventLoop {
    const loop = this.#newLoop({
      clock: 'clock' in options ? options.clock : new VirtualClock(),
      debug: 'debug' in options ? options.debug : this.#suite.debug,
    });
    if (this.#record) {
      loop.setExceptionHandler((_loop, context) => {
        this.exceptions.push(context);
      });
    }
    this.#loops.push(loop);
    live.add(this);
    return loop;
  }

  /** Declares that the exception handler is expected to be called; returns the record. */
  expectExceptionHandlerCalls(): ExceptionContext[] {
    this.#exceptionsExpected = true;
    return this.exceptions;
  }

  /** Declares that `error` log records are expected; returns the record. */
  expectLogs(): LogRecord[] {
    this.#logsExpected = true;
    return this.logs;
  }

  /** Iterations run so far by `t.loop` (the oracle's `itN`). */
  get iterations(): number {
    return loopStats(this.loop).iterations;
  }

  /** `loopStats(t.loop)`. */
  stats(loop: BaseEventLoop = this.loop): LoopStats {
    return loopStats(loop);
  }

  /** An oracle-style trace over `t.loop`. */
  trace(options: TraceOptions = {}): Trace {
    return trace(this.loop, options);
  }

  /**
   * Asserts that nothing is pending on `loop` (no ready handle, no live
   * timer), then closes it.
   */
  close(loop: BaseEventLoop = this.loop): void {
    const stats = loopStats(loop);
    if (stats.ready !== 0 || stats.timers !== 0) {
      throw new Error(
        `t.close(): the loop still has ${stats.ready} ready handle(s) and ${stats.timers} live timer(s); ` +
          'a conformance test must leave nothing pending (or call loop.close() to drop work on purpose)',
      );
    }
    loop.close();
  }

  /** The logger installed for the test: it records instead of printing. */
  readonly logger = recordingLogger(this.logs);

  /** Teardown: cleans up, and (when the body passed) reports leaks. */
  async finish(bodyFailed: boolean): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    live.delete(this);
    const problems: string[] = [];
    for (const [i, loop] of this.#loops.entries()) {
      if (loop.isClosed()) continue;
      if (!bodyFailed) {
        const s = loopStats(loop);
        problems.push(
          `loop #${i} was left open (running=${String(loop.isRunning())}, ready=${s.ready}, timers=${s.timers}); close it with t.close()`,
        );
      }
      await stopRunning(loop);
      if (!loop.isRunning()) loop.close();
    }
    setLogger(null);
    if (!bodyFailed) problems.push(...undeclaredRecords(this.exceptions, this.#exceptionsExpected, this.logs, this.#logsExpected));
    if (problems.length > 0) throw new Error(`conformance teardown:\n${problems.join('\n')}`);
  }
}

/** Tests whose teardown has not run yet (a timed-out body never reaches it). */
const live = new Set<LoopTest>();

/**
 * Stops and closes the loops of tests that jest abandoned (a timeout leaves
 * the body pending and its teardown unrun), so that one hung test does not
 * fail every later one with "another loop is running".
 */
async function cleanupAbandoned(): Promise<void> {
  for (const t of [...live]) await t.finish(true);
  setLogger(null);
}


/** The signature of the `it` that {@link defineLoopTest} returns. */
export type LoopIt = (
  title: string,
  body: (t: LoopTest) => void | Promise<void>,
  options?: LoopTestOptions,
) => void;

/**
 * Returns an `it` whose body receives a {@link LoopTest} built from
 * `newLoop`, with the shared teardown.
 */
export function defineLoopTest(newLoop: LoopFactory, suite: SuiteOptions): LoopIt {
  afterEach(cleanupAbandoned);
  return (title, body, options = {}) => {
    jestIt(
      title,
      async () => {
        const t = new LoopTest(newLoop, suite, options);
        setLogger(t.logger);
        let failed = true;
        try {
          await body(t);
          failed = false;
        } finally {
          await t.finish(failed);
        }
      },
      options.timeout ?? 10_000,
    );
  };
}

/** Runs `fn` and returns what it threw (fails when it did not throw). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error(`expected ${fn.toString()} to throw`);
}

/** Awaits `p` and returns its rejection reason (fails when it fulfils). */
export async function rejection(p: PromiseLike<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the promise to reject');
}

/** `name: message` of an error, for traces. */
export function errorText(e: unknown): string {
  return describeError(e);
}

/**
 * A value whose `toString` throws (Python: a `__repr__` that raises). A
 * message or repr naming it must use the placeholder `<Evil instance>` (D52).
 */
export class Evil {
  toString(): string {
    throw new Error('no toString');
  }
}

/** A revoked `Proxy`: reading anything of it throws, `instanceof` included. */
export function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}
