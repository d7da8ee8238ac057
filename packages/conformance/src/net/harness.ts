/**
 * The harness of the network suites: real sockets need real time, so unlike
 * the scheduling suites these loops run on the monotonic clock.
 *
 * HOW: `defineNetTest(newLoop)` returns an `it`-like function whose body
 * receives a {@link NetTest} `t`:
 *
 *   t.loop           the loop under test (created lazily; more with t.newLoop())
 *   t.run(main)      runs `main` (a coroutine, an async thunk, a promise) to
 *                    completion on t.loop, failing after `seconds` (10 by default)
 *   t.exceptions     what the recording exception handler received
 *   t.expectExceptionHandlerCalls()   declares that calls are expected
 *   t.logs / t.expectLogs()           the library's log records, likewise
 *   t.path(name)     a path in the test's own temporary directory (Unix sockets)
 *   t.serverTls() / t.clientTls()     TLS options with the test CA
 *
 * WHY the teardown fails a test: a loop left open, an exception-handler call
 * or an `error` log record the test did not declare, or a Node socket handle
 * (TCP, UDP, pipe, TLS) still open after the loop closed — a leaked
 * transport, listener or connection attempt.
 */
import { afterEach, defineTest } from '../runner.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions, TlsOptions } from 'node:tls';
import { setLogger, type BaseEventLoop } from '@loop/core';
import type { Coroutine, ExceptionContext, NetMethods, PipeMethods, SignalMethods, SubprocessMethods } from '@loop/interfaces';
import { TEST_CA_PEM, TEST_SERVER_CERT_PEM, TEST_SERVER_KEY_PEM } from './tls-fixtures.js';
import { recordingLogger, stopRunning, undeclaredRecords, type LogRecord } from '../recording.js';

/**
 * A loop with an I/O backend and `@loop/net` composed in: what every such
 * loop has. The fd-watching and `sock*` groups are not part of it (the
 * proactor's type does not carry them, ADR 0001 §4); a suite that needs them
 * asks `hasCapability` and narrows. `@loop/signals` is composed in too.
 */
export type NetLoop = BaseEventLoop & NetMethods & PipeMethods & SignalMethods & SubprocessMethods;

/** Makes a fresh network-capable loop of the kind under test, on the real clock. */
export type NetLoopFactory = (options?: { debug?: boolean }) => NetLoop;

/** Per-test options of a network test. */
export interface NetTestOptions {
  /** Per-test timeout in milliseconds (default 20 000). */
  timeout?: number;
  /** Capabilities the test needs besides its suite's (`['unix']`); without them it is not applicable. */
  needs?: readonly string[];
}

const SOCKET_RESOURCES = new Set(['TCPSocketWrap', 'TCPServerWrap', 'UDPWrap', 'PipeWrap', 'PipeServerWrap', 'TLSWrap', 'JSSTREAM', 'TCPConnectWrap', 'PipeConnectWrap']);

/** The number of Node socket handles open in this process. */
export function openSocketHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => SOCKET_RESOURCES.has(r)).length;
}


/** One network test: its loops, recordings, temporary directory and teardown. */
export class NetTest {
  /** Contexts received by the recording exception handler, in call order. */
  readonly exceptions: ExceptionContext[] = [];
  /** Records written through the library's logger during the test. */
  readonly logs: LogRecord[] = [];
  readonly #newLoop: NetLoopFactory;
  readonly #loops: NetLoop[] = [];
  readonly #baseline: number;
  #loop: NetLoop | undefined;
  #dir: string | undefined;
  #exceptionsExpected = false;
  #logsExpected = false;
  #finished = false;

  constructor(newLoop: NetLoopFactory) {
    this.#newLoop = newLoop;
    this.#baseline = openSocketHandles();
    setLogger(this.logger);
  }

  /** The loop under test, made on first use. */
  get loop(): NetLoop {
    if (this.#loop === undefined) this.#loop = this.newLoop();
    return this.#loop;
  }

  /** Another loop from the factory, with the recording exception handler, closed by the teardown. */
  newLoop(options: { debug?: boolean } = {}): NetLoop {
    const loop = this.#newLoop(options);
    loop.setExceptionHandler((_loop, context) => {
      this.exceptions.push(context);
    });
    this.#loops.push(loop);
    return loop;
  }

  /**
   * Runs `main` on `loop` (t.loop by default) until it completes and
   * returns its result. Fails with a descriptive error when it takes more
   * than `seconds` (10 by default): the loop is stopped, so the test fails
   * instead of hanging.
   */
  async run<T>(
    main: Coroutine<T> | (() => Coroutine<T> | PromiseLike<T>) | PromiseLike<T>,
    { seconds = 10, loop = this.loop }: { seconds?: number; loop?: NetLoop } = {},
  ): Promise<T> {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      loop.stop();
    }, seconds * 1000);
    try {
      return await loop.runUntilComplete(main);
    } catch (err) {
      if (timedOut) throw new Error(`t.run(): not done after ${seconds} s (the loop was stopped)`, { cause: err });
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A path in this test's own temporary directory (short, for Unix socket paths). */
  path(name: string): string {
    this.#dir ??= mkdtempSync(join(tmpdir(), 'loop-'));
    return join(this.#dir, name);
  }

  /** Server-side TLS options with the test certificate. */
  serverTls(extra: TlsOptions = {}): TlsOptions {
    return { cert: TEST_SERVER_CERT_PEM, key: TEST_SERVER_KEY_PEM, ...extra };
  }

  /** Client-side TLS options trusting the test CA (and only it). */
  clientTls(extra: ConnectionOptions = {}): ConnectionOptions {
    return { ca: TEST_CA_PEM, ...extra };
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

  /** The logger installed for the test: it records instead of printing. */
  readonly logger = recordingLogger(this.logs);

  /** Teardown: closes the loops, waits for sockets to close, reports leaks. */
  async finish(bodyFailed: boolean): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    live.delete(this);
    const problems: string[] = [];
    for (const [i, loop] of this.#loops.entries()) {
      await stopRunning(loop);
      if (!loop.isClosed()) {
        if (!bodyFailed) problems.push(`loop #${i} was left open; close it in the test (loop.close())`);
        if (!loop.isRunning()) loop.close();
      }
    }
    // Node closes handles asynchronously: give it a few turns.
    for (let n = 0; n < 50 && openSocketHandles() > this.#baseline; n++) await new Promise((r) => setTimeout(r, 10));
    const leaked = openSocketHandles() - this.#baseline;
    if (leaked > 0 && !bodyFailed) {
      const kinds = process.getActiveResourcesInfo().filter((r) => SOCKET_RESOURCES.has(r));
      problems.push(`${leaked} socket handle(s) still open after the loop closed: ${kinds.join(', ')}`);
    }
    if (this.#dir !== undefined) rmSync(this.#dir, { recursive: true, force: true });
    setLogger(null);
    if (!bodyFailed) problems.push(...undeclaredRecords(this.exceptions, this.#exceptionsExpected, this.logs, this.#logsExpected));
    if (problems.length > 0) throw new Error(`network conformance teardown:\n${problems.join('\n')}`);
  }
}

const live = new Set<NetTest>();

/** An `it` whose body receives a {@link NetTest}. */
export type NetIt = (name: string, body: (t: NetTest) => Promise<void>, options?: NetTestOptions) => void;

/**
 * Returns an `it`-like function for the network suites: each test gets a
 * fresh {@link NetTest} over `newLoop`, and its teardown.
 */
export function defineNetTest(newLoop: NetLoopFactory): NetIt {
  afterEach(async () => {
    for (const t of [...live]) await t.finish(true);
  });
  return (name, body, options = {}) => {
    defineTest(
      name,
      async () => {
        const t = new NetTest(newLoop);
        live.add(t);
        let failed = true;
        try {
          await body(t);
          failed = false;
        } finally {
          await t.finish(failed);
        }
      },
      options.timeout ?? 20000,
      options.needs,
    );
  };
}
