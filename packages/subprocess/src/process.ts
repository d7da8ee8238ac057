/**
 * asyncio's `asyncio.subprocess`: `createSubprocessExec` /
 * `createSubprocessShell` and the `Process` they return, with a
 * `StreamWriter` on the child's stdin and `StreamReader`s on its stdout and
 * stderr (`@loop/net`'s streams).
 *
 * HOW. `SubprocessStreamProtocol` is the subprocess transport's protocol:
 *
 * ```text
 *   connectionMade(tr)          readers made for the pipes 1 and 2, a writer for 0
 *   pipeDataReceived(fd, d)     -> that reader's feedData
 *   pipeConnectionLost(0, e)    -> the stdin writer is closed; its waitClosed()
 *                                  and drain() settle (flow control is a
 *                                  StreamReaderProtocol without a reader)
 *   pipeConnectionLost(1|2, e)  -> that reader's feedEof / setException
 *   processExited() and every read pipe lost -> the transport is closed
 * ```
 *
 * `communicate(input)` feeds stdin (ignoring `EPIPE` / `ECONNRESET`, then
 * closing it) while reading stdout and stderr to their end, all three at
 * once (`gather`), so it never deadlocks on a full pipe; then waits for the
 * exit.
 *
 * WHY the running loop: asyncio 3.10+ takes no `loop` argument; the functions
 * use `getRunningLoop()` and throw `RuntimeError` (`no running event loop`)
 * outside one, as `openConnection` does.
 *
 * @packageDocumentation
 */
import { gather, getRunningLoop, type BaseEventLoop, type Future, type Task } from '@loop/core';
import {
  SubprocessProtocol,
  loopError,
  type Coroutine,
  type ReadTransport,
  type SubprocessMethods,
  type SubprocessOptions,
  type SubprocessTransport,
  type Transport,
  type WriteTransport,
} from '@loop/interfaces';
import { DEFAULT_LIMIT, StreamReader, StreamReaderProtocol, StreamWriter } from '@loop/net';
import type { SubprocessTransportImpl } from './transport.js';

/** Options of {@link createSubprocessExec} / {@link createSubprocessShell}: the loop method's, and `limit`. */
export interface CreateSubprocessOptions extends SubprocessOptions {
  /** The buffer limit of the stdout / stderr `StreamReader`s, in bytes; 64 KiB by default. */
  limit?: number;
}

/**
 * The protocol of a {@link Process} (asyncio's `SubprocessStreamProtocol`):
 * feeds the stdout / stderr readers, gives stdin a writer with flow control,
 * and closes the transport once the child exited and its output pipes are
 * closed.
 */
export class SubprocessStreamProtocol extends SubprocessProtocol {
  /** The writer on the child's stdin, `null` unless stdin is a pipe. */
  stdin: StreamWriter | null = null;
  /** The reader of the child's stdout, `null` unless stdout is a pipe. */
  stdout: StreamReader | null = null;
  /** The reader of the child's stderr, `null` unless stderr is a pipe. */
  stderr: StreamReader | null = null;
  readonly #limit: number;
  readonly #loop: BaseEventLoop;
  /** FlowControlMixin: drain() and waitClosed() of the stdin writer. */
  readonly #flow: StreamReaderProtocol;
  #transport: SubprocessTransport | null = null;
  #processExited = false;
  readonly #pipeFds: number[] = [];

  /** @param limit - the readers' buffer limit. @param loop - the loop. */
  constructor(limit: number, loop: BaseEventLoop) {
    super();
    this.#limit = limit;
    this.#loop = loop;
    this.#flow = new StreamReaderProtocol(null, null, loop);
  }

  override connectionMade(transport: SubprocessTransport): void {
    this.#transport = transport;
    const out = transport.getPipeTransport(1);
    if (out !== null) {
      this.stdout = new StreamReader({ limit: this.#limit, loop: this.#loop });
      this.stdout.setTransport(out as ReadTransport);
      this.#pipeFds.push(1);
    }
    const err = transport.getPipeTransport(2);
    if (err !== null) {
      this.stderr = new StreamReader({ limit: this.#limit, loop: this.#loop });
      this.stderr.setTransport(err as ReadTransport);
      this.#pipeFds.push(2);
    }
    const inp = transport.getPipeTransport(0);
    if (inp !== null) {
      // A write pipe transport has what StreamWriter uses of a Transport (write, writeEof, close, isClosing, getExtraInfo).
      this.stdin = new StreamWriter(inp as WriteTransport as Transport, this.#flow, null, this.#loop);
    }
  }

  override pipeDataReceived(fd: number, data: Buffer): void {
    const reader = fd === 1 ? this.stdout : fd === 2 ? this.stderr : null;
    reader?.feedData(data);
  }

  override pipeConnectionLost(fd: number, exc: Error | null): void {
    if (fd === 0) {
      this.stdin?.close();
      this.#flow.connectionLost(exc);
      return;
    }
    const reader = fd === 1 ? this.stdout : fd === 2 ? this.stderr : null;
    if (reader !== null) {
      if (exc === null) reader.feedEof();
      else reader.setException(exc);
    }
    const i = this.#pipeFds.indexOf(fd);
    if (i >= 0) this.#pipeFds.splice(i, 1);
    this.#maybeCloseTransport();
  }

  override processExited(): void {
    this.#processExited = true;
    this.#maybeCloseTransport();
  }

  override pauseWriting(): void {
    this.#flow.pauseWriting();
  }

  override resumeWriting(): void {
    this.#flow.resumeWriting();
  }

  override connectionLost(exc: Error | null): void {
    // FlowControlMixin.connection_lost: drains waiting on a paused stdin complete.
    this.#flow.connectionLost(exc);
  }

  #maybeCloseTransport(): void {
    if (this.#pipeFds.length === 0 && this.#processExited && this.#transport !== null) {
      this.#transport.close();
      this.#transport = null;
    }
  }

  override toString(): string {
    return '<SubprocessStreamProtocol>';
  }
}

function isPipeError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'EPIPE' || code === 'ECONNRESET';
}

/**
 * A child process started by {@link createSubprocessExec} /
 * {@link createSubprocessShell} (asyncio's `asyncio.subprocess.Process`).
 */
/** `communicate()` writes its input in slices of this size, draining between them (D80). */
const FEED_SLICE = 64 * 1024;

/** A child process started by `createSubprocessExec` or `createSubprocessShell` (asyncio's `asyncio.subprocess.Process`). */
export class Process {
  /** The child's process id. */
  readonly pid: number;
  /** A writer on the child's stdin, `null` unless `stdin` was `PIPE`. */
  readonly stdin: StreamWriter | null;
  /** A reader of the child's stdout, `null` unless `stdout` was `PIPE`. */
  readonly stdout: StreamReader | null;
  /** A reader of the child's stderr, `null` unless `stderr` was `PIPE`. */
  readonly stderr: StreamReader | null;
  readonly #transport: SubprocessTransport;
  readonly #loop: BaseEventLoop;

  /** @internal Made by `createSubprocessExec` / `createSubprocessShell`. */
  constructor(transport: SubprocessTransport, protocol: SubprocessStreamProtocol, loop: BaseEventLoop) {
    this.#transport = transport;
    this.#loop = loop;
    this.stdin = protocol.stdin;
    this.stdout = protocol.stdout;
    this.stderr = protocol.stderr;
    this.pid = transport.getPid();
  }

  /** The exit code, `null` while the child runs; `-N` after a death by signal `N`. */
  get returncode(): number | null {
    return this.#transport.getReturncode();
  }

  /**
   * A future done with the return code when the child exits (at once if it
   * has). Cancelling it does not touch the child. Does not wait for the
   * pipes: a grandchild holding stdout open does not delay it (D68).
   */
  wait(): Future<number> {
    return (this.#transport as SubprocessTransportImpl)._wait() as unknown as Future<number>;
  }

  /** Sends `signal` to the child. @throws an `ESRCH` system error (ProcessLookupError) once it has exited. */
  sendSignal(signal: number | NodeJS.Signals): void {
    this.#transport.sendSignal(signal);
  }

  /** Sends `SIGTERM`. @throws as {@link Process.sendSignal}. */
  terminate(): void {
    this.#transport.terminate();
  }

  /** Sends `SIGKILL`. @throws as {@link Process.sendSignal}. */
  kill(): void {
    this.#transport.kill();
  }

  /**
   * Writes `input` (if given) to stdin and closes it, reads stdout and
   * stderr to their end, all at once, then waits for the exit. Resolves to
   * `[stdout, stderr]` (`null` for a stream that is not a pipe). A child that
   * stops reading (`EPIPE`) is not an error.
   *
   * `input` is written in slices of 64 KiB, each after the previous one
   * drained, and read until the last slice is written: do not change it
   * before the task is done (asyncio copies what the pipe does not take at
   * once; copying a large input cost the selector loop a third of its
   * throughput, D80).
   *
   * Cancelling the task cancels the reads and the write; the child keeps
   * running (as asyncio).
   *
   * @throws TypeError (through the task) when `input` is not a `Uint8Array`;
   *   RangeError when `input` is given but stdin is not a pipe.
   */
  communicate(input?: Uint8Array | null): Task<[Buffer | null, Buffer | null]> {
    const self = this;
    const loop = this.#loop;
    return loop.createTask(function* communicate() {
      if (input !== undefined && input !== null) {
        if (!(input instanceof Uint8Array)) {
          throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `Process.communicate(): input must be a Uint8Array (Buffer) or null, not ${typeof input}`);
        }
        if (self.stdin === null) throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', 'Process.communicate(): input given but stdin is not a pipe (stdin: PIPE)');
      }
      const feed = input !== undefined && input !== null ? self.#feedStdin(input) : noop();
      const out = self.stdout !== null ? self.#readStream(1) : noop();
      const err = self.stderr !== null ? self.#readStream(2) : noop();
      const [, stdout, stderr] = (yield* gather(feed, out, err)) as [unknown, Buffer | null, Buffer | null];
      yield* self.wait();
      return [stdout, stderr] as [Buffer | null, Buffer | null];
    });
  }

  *#feedStdin(input: Uint8Array): Coroutine<null> {
    const stdin = this.stdin!;
    try {
      for (let at = 0; at < input.byteLength; at += FEED_SLICE) {
        stdin.write(input.subarray(at, at + FEED_SLICE));
        yield* stdin.drain();
      }
    } catch (err) {
      if (!isPipeError(err)) throw err;
    }
    stdin.close();
    return null;
  }

  *#readStream(fd: 1 | 2): Coroutine<Buffer> {
    const transport = this.#transport.getPipeTransport(fd);
    const stream = fd === 1 ? this.stdout! : this.stderr!;
    const output = yield* stream.read();
    transport?.close();
    return output;
  }

  /** asyncio's repr: `<Process 1234>`. */
  toString(): string {
    return `<Process ${this.pid}>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

 
function* noop(): Coroutine<null> {
  return null;
}

type SubprocessLoop = BaseEventLoop & SubprocessMethods;

function checkLimit(api: string, limit: unknown): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (typeof limit !== 'number') throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}(): limit must be a number, not ${typeof limit}`);
  if (!(limit > 0)) throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `${api}(): limit must be > 0, not ${limit}`);
  return limit;
}

function create(
  api: string,
  options: CreateSubprocessOptions | null | undefined,
  start: (loop: SubprocessLoop, factory: () => SubprocessStreamProtocol, options: SubprocessOptions) => Promise<[SubprocessTransport, SubprocessStreamProtocol]>,
): Future<Process> {
  const loop = getRunningLoop() as SubprocessLoop;
  const fut = loop.createFuture<Process>();
  let promise: Promise<[SubprocessTransport, SubprocessStreamProtocol]>;
  try {
    if (options !== undefined && options !== null && (typeof options !== 'object' || Array.isArray(options))) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}(): options must be an object or null, not ${typeof options}`);
    }
    const { limit, ...rest } = options ?? {};
    const lim = checkLimit(api, limit);
    // asyncio.subprocess's defaults: every stream inherited unless asked for.
    const methodOptions: SubprocessOptions = { stdin: null, stdout: null, stderr: null, ...rest };
    promise = start(loop, () => new SubprocessStreamProtocol(lim, loop), methodOptions);
  } catch (err) {
    promise = Promise.reject(err);
  }
  promise.then(
    ([transport, protocol]) => {
      // Cancelled meanwhile: nobody will own the child; close kills it.
      if (fut.done()) transport.close();
      else fut.setResult(new Process(transport, protocol, loop));
    },
    (err: unknown) => {
      if (!fut.done()) fut.setException(err);
    },
  );
  return fut;
}

/**
 * Starts `program` with `args` (no shell) and returns its {@link Process}
 * (asyncio's `create_subprocess_exec`). As in asyncio, each stream is
 * inherited unless `stdin` / `stdout` / `stderr` say `PIPE` (or another
 * target); `limit` is the readers' buffer limit.
 *
 * ```ts
 * const proc = await createSubprocessExec('ls', ['-l'], { stdout: PIPE });
 * const [out] = await proc.communicate();
 * ```
 *
 * @throws RuntimeError (`no running event loop`) outside a running loop;
 *   every other error (a spawn error, a bad option) comes through the future.
 */
export function createSubprocessExec(program: string, args?: readonly string[] | null, options?: CreateSubprocessOptions | null): Future<Process> {
  return create('createSubprocessExec', options, (loop, factory, opts) => loop.subprocessExec(factory, program, args ?? [], opts));
}

/**
 * Runs `cmd` with `/bin/sh -c` and returns its {@link Process} (asyncio's
 * `create_subprocess_shell`). Quote untrusted words with `quote()`.
 *
 * @throws RuntimeError (`no running event loop`) outside a running loop.
 */
export function createSubprocessShell(cmd: string, options?: CreateSubprocessOptions | null): Future<Process> {
  return create('createSubprocessShell', options, (loop, factory, opts) => loop.subprocessShell(factory, cmd, opts));
}
