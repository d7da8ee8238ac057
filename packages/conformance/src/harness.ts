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
 * WHAT a test may use (ADR 0008): `t.stats()`, `t.iterations` and a trace's
 * `itN` read `loopStats()`, so a test using them must declare `stats`; a
 * test whose virtual clock jumps at all must declare `virtual-clock` (on a
 * real clock it would wait, and its times would not be exact); a trace with
 * `t=` times must declare `virtual-clock` too. Declared means in the suite's
 * entry of the list or in the test's `{ needs }`; the harness fails a test
 * that uses one undeclared (only in a kit run: `runConformance`). Without
 * `stats` claimed, `t.close()` skips its pending check.
 *
 * When the body itself failed, the teardown only cleans up (stops and closes
 * the loops) so that the body's error is the one reported.
 */
import {
  BaseEventLoop,
  VirtualClock,
  loopStats,
  setLogger,
  type LoopStats,
} from '@loop/core';
import type { AbstractEventLoop, Clock, ExceptionContext, SchedulingLoop } from '@loop/interfaces';
import { afterEach, claimedCapabilities, declaredCapabilities, defineTest } from './runner.js';
import { describeError, recordingLogger, stopRunning, undeclaredRecords, type LogRecord } from './recording.js';

/**
 * The loop as the suites type it. The harness handles any
 * `AbstractEventLoop`; the suites drive it with `@loop/core`'s futures,
 * tasks and helpers, which are typed on (and, for binding a `Future` or
 * `Task` to a loop, run on the scheduling internals of) `BaseEventLoop`.
 */
export type SuiteLoop = BaseEventLoop;

/** Options a suite passes to the loop factory. */
export interface LoopFactoryOptions {
  /**
   * The clock the loop reads time from: the scheduling suites pass a
   * `VirtualClock` (or `undefined`, the loop's own real clock); the network
   * suites pass none, as real sockets need real time.
   */
  clock?: Clock;
  /** Debug mode; `undefined` lets the loop read `LOOP_DEBUG`. */
  debug?: boolean;
}

/**
 * Makes a fresh loop of the kind under test: any `AbstractEventLoop` (typed
 * by what every loop has, `SchedulingLoop`, which `BaseEventLoop` is too;
 * the network suites' `NetLoop` is one with the network methods working).
 */
export interface LoopFactory<L extends SchedulingLoop | AbstractEventLoop = SchedulingLoop> {
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
  /** Capabilities the test needs besides its suite's (`['stats']`); without them it is not applicable. */
  needs?: readonly string[];
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

/** Builds a trace over `loop` (`t=` read from `loop.time()`; `itN` from `loopStats`, so a `BaseEventLoop`). */
export function trace(loop: SchedulingLoop, options: TraceOptions = {}): Trace {
  const lines: string[] = [];
  return {
    lines,
    log(msg: string): void {
      const it = `it${loopStats(loop as unknown as BaseEventLoop).iterations}`;
      const t = options.timeDigits === undefined ? '' : ` t=${loop.time().toFixed(options.timeDigits)}`;
      lines.push(`${it}${t} ${msg}`);
    },
    print(msg: string): void {
      lines.push(msg);
    },
  };
}

/** A `VirtualClock` that adds up how far it jumped (the harness's virtual-time check). */
class JumpCountingClock extends VirtualClock {
  jumped = 0;
  override skip(seconds: number): boolean {
    const jumped = super.skip(seconds);
    if (jumped) this.jumped += seconds;
    return jumped;
  }
}


/** What a test body receives. */
export class LoopTest {
  /** The virtual clock `t.loop` reads time from. */
  readonly clock: VirtualClock = new JumpCountingClock();
  readonly #clocks: JumpCountingClock[] = [this.clock as JumpCountingClock];
  /** Contexts received by the recording exception handler, in call order. */
  readonly exceptions: ExceptionContext[] = [];
  /** Records written through the library's logger during the test. */
  readonly logs: LogRecord[] = [];
  readonly #newLoop: LoopFactory;
  readonly #suite: SuiteOptions;
  readonly #record: boolean;
  readonly #loops: SchedulingLoop[] = [];
  readonly #declared: ReadonlySet<string> | undefined;
  readonly #statsClaimed: boolean;
  #finished = false;
  #loop: SuiteLoop | undefined;
  #exceptionsExpected = false;
  #logsExpected = false;

  /**
   * `declared`: what the test may use (its suite's and its own needs;
   * `undefined` outside a kit run: no checks); `claimed`: what the loop
   * claims (`undefined`: `stats` when the loop is a `BaseEventLoop`).
   */
  constructor(
    newLoop: LoopFactory,
    suite: SuiteOptions,
    options: LoopTestOptions,
    declared?: ReadonlySet<string>,
    claimed?: ReadonlySet<string>,
  ) {
    this.#newLoop = newLoop;
    this.#suite = suite;
    this.#record = options.recordExceptions ?? true;
    this.#declared = declared;
    this.#statsClaimed = claimed === undefined ? true : claimed.has('stats');
  }

  /** Throws unless the test declared `capability` (in a kit run). */
  #uses(capability: string, what: string): void {
    if (this.#declared !== undefined && !this.#declared.has(capability)) {
      throw new Error(
        `${what} needs the '${capability}' capability, which this test does not declare: add { needs: ['${capability}'] } to the test, or '${capability}' to its suite's entry in the suites list`,
      );
    }
  }

  /** Whether `loopStats` works on `loop`: the loop claims `stats` and is a `BaseEventLoop`. */
  #hasStats(loop: SchedulingLoop): loop is BaseEventLoop {
    return this.#statsClaimed && loop instanceof BaseEventLoop;
  }

  /** The suite's debug setting. */
  get debug(): boolean {
    return this.#suite.debug;
  }

  /** The loop under test, created on first use with `this.clock`. */
  get loop(): SuiteLoop {
    if (this.#loop === undefined) this.#loop = this.newLoop({ clock: this.clock });
    return this.#loop;
  }

  /**
   * Another loop from the factory (debug as the suite says unless given; a
   * new VirtualClock unless `clock` is given — `clock: undefined` asks for
   * the loop's own real clock), tracked by the teardown like `t.loop`.
   */
  newLoop(options: LoopFactoryOptions = {}): SuiteLoop {
    let clock: Clock | undefined;
    if ('clock' in options) {
      clock = options.clock;
    } else {
      const counting = new JumpCountingClock();
      this.#clocks.push(counting);
      clock = counting;
    }
    const loop = this.#newLoop({
      clock,
      debug: 'debug' in options ? options.debug : this.#suite.debug,
    });
    if (this.#record) {
      loop.setExceptionHandler((_loop, context) => {
        this.exceptions.push(context);
      });
    }
    this.#loops.push(loop);
    live.add(this);
    return loop as unknown as SuiteLoop;
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
    this.#uses('stats', 't.iterations');
    return loopStats(this.loop).iterations;
  }

  /** `loopStats(t.loop)` (the test must declare `stats`). */
  stats(loop: SuiteLoop = this.loop): LoopStats {
    this.#uses('stats', 't.stats()');
    return loopStats(loop);
  }

  /** An oracle-style trace over `t.loop` (`itN` needs `stats`; `t=` times need `virtual-clock`). */
  trace(options: TraceOptions = {}): Trace {
    this.#uses('stats', "t.trace()'s itN");
    if (options.timeDigits !== undefined) this.#uses('virtual-clock', "t.trace({ timeDigits })'s t= times");
    return trace(this.loop, options);
  }

  /**
   * Asserts that nothing is pending on `loop` (no ready handle, no live
   * timer), then closes it.
   */
  close(loop: SuiteLoop = this.loop): void {
    const stats = this.#hasStats(loop) ? loopStats(loop) : { ready: 0, timers: 0 };
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
        const s = this.#hasStats(loop) ? `, ready=${loopStats(loop).ready}, timers=${loopStats(loop).timers}` : '';
        problems.push(`loop #${i} was left open (running=${String(loop.isRunning())}${s}); close it with t.close()`);
      }
      await stopRunning(loop);
      if (!loop.isRunning()) loop.close();
    }
    setLogger(null);
    if (!bodyFailed) problems.push(...undeclaredRecords(this.exceptions, this.#exceptionsExpected, this.logs, this.#logsExpected));
    const jumped = this.#clocks.reduce((sum, c) => sum + c.jumped, 0);
    if (!bodyFailed && jumped > 0 && this.#declared !== undefined && !this.#declared.has('virtual-clock')) {
      problems.push(
        `the test jumped ${jumped.toFixed(3)} s of virtual time but does not declare 'virtual-clock' (on a real clock it would wait that long): add { needs: ['virtual-clock'] }`,
      );
    }
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
    // Read while the suite is being defined: the kit's context is gone when the test runs.
    const declared = declaredCapabilities(options.needs);
    const claimed = claimedCapabilities();
    defineTest(
      title,
      async () => {
        const t = new LoopTest(newLoop, suite, options, declared, claimed);
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
      options.needs,
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
