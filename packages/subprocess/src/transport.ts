/**
 * `SubprocessTransportImpl`: the transport of a child process (asyncio's
 * `base_subprocess.BaseSubprocessTransport` + `_UnixSubprocessTransport`).
 *
 * HOW.
 *
 * ```text
 *   spawnChild()                       pipes made, child started (spawn.ts)
 *   new SubprocessTransportImpl        pipe transports made on the backend;
 *                                      protocol calls queued from here on
 *   connect(): every pipe's waiter     -> callSoon(protocol.connectionMade)
 *                                      -> callSoon(each queued call), in order
 *                                      -> the creation promise resolves
 *   pipe data / pipe loss              -> callSoon(pipeDataReceived / pipeConnectionLost)
 *   ChildProcess 'exit' (Node)         -> callSoonThreadsafe(exited)
 *   exited(rc)                         -> returncode set, wait() futures done,
 *                                         callSoon(processExited)
 *   exit known AND every pipe lost     -> callSoon(connectionLost(null))
 * ```
 *
 * Every protocol call goes through `callSoon` (never inline), one at a
 * time, so an error a callback throws goes to the loop's exception handler.
 * `wait()` completes at the exit (deviation D68: asyncio 3.11 waits for the
 * pipes too).
 *
 * WHY through the backend: the pipe transports are the backend's own
 * (`makeReadPipeTransport` / `makeWritePipeTransport`), so reading, writing,
 * flow control and closing behave as `connectReadPipe` / `connectWritePipe`
 * on that loop.
 *
 * @packageDocumentation
 */
import type { ChildProcess } from 'node:child_process';
import { closeSync, fstatSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { getLogger } from '@loop/core';
import { pollFds } from '@loop/socket';
import {
  Protocol,
  loopError,
  onLoopClose,
  systemError,
  type BaseProtocol,
  type ExtraInfo,
  type Future,
  type IoBackend,
  type ReadTransport,
  type SchedulingLoop,
  type SubprocessProtocol,
  type SubprocessTransport,
  type WriteTransport,
} from '@loop/interfaces';
import type { Spawned } from './spawn.js';

type PipeTransport = ReadTransport | WriteTransport;

/** The protocol of one pipe of the child: forwards to the subprocess transport (asyncio's `ReadSubprocessPipeProto`). */
class SubprocessPipeProtocol extends Protocol {
  pipe: PipeTransport | null = null;
  disconnected = false;
  readonly #owner: SubprocessTransportImpl;
  readonly fd: number;

  constructor(owner: SubprocessTransportImpl, fd: number) {
    super();
    this.#owner = owner;
    this.fd = fd;
  }

  override connectionMade(): void {}

  override dataReceived(data: Buffer): void {
    this.#owner._pipeDataReceived(this.fd, data);
  }

  override eofReceived(): void {}

  override connectionLost(exc: Error | null): void {
    this.disconnected = true;
    this.#owner._pipeConnectionLost(this.fd, exc);
  }

  override pauseWriting(): void {
    this.#owner._protocolOrNull()?.pauseWriting();
  }

  override resumeWriting(): void {
    this.#owner._protocolOrNull()?.resumeWriting();
  }

  override toString(): string {
    return `<SubprocessPipeProtocol fd=${this.fd}>`;
  }
}

const live = new WeakMap<object, Set<SubprocessTransportImpl>>();

function track(loop: SchedulingLoop, transport: SubprocessTransportImpl): void {
  let set = live.get(loop);
  if (set === undefined) {
    const created = new Set<SubprocessTransportImpl>();
    set = created;
    live.set(loop, set);
    // asyncio's Unix loop closes what is still open when it closes: the children are killed.
    onLoopClose(loop, () => {
      live.delete(loop);
      for (const t of [...created]) t._closeForLoop();
    });
  }
  set.add(transport);
}

function untrack(loop: SchedulingLoop, transport: SubprocessTransportImpl): void {
  live.get(loop)?.delete(transport);
}

const SIGNAL_NUMBERS = osConstants.signals as Record<string, number>;

function checkSignal(api: string, signal: unknown): number | NodeJS.Signals {
  if (typeof signal === 'number') {
    if (!Number.isInteger(signal) || signal < 0) {
      throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `${api}(): invalid signal number ${signal}`);
    }
    return signal;
  }
  if (typeof signal === 'string') {
    if (!Object.prototype.hasOwnProperty.call(SIGNAL_NUMBERS, signal)) {
      throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `${api}(): unknown signal ${JSON.stringify(signal)}`);
    }
    return signal as NodeJS.Signals;
  }
  throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}(): signal must be a number or a signal name, not ${signal === null ? 'null' : typeof signal}`);
}

/** The return code of an exit as `Popen.returncode`: the status, or `-N` for a death by signal `N`. */
function returncodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const n = signal !== null ? SIGNAL_NUMBERS[signal] : undefined;
  return n !== undefined ? -n : -1;
}

/**
 * The transport of a child process, made by `subprocessExec` /
 * `subprocessShell` (see the file header for the life cycle). Implements
 * `SubprocessTransport` of `@loop/interfaces`.
 */
export class SubprocessTransportImpl implements SubprocessTransport {
  readonly #loop: SchedulingLoop;
  #protocol: SubprocessProtocol | null;
  #proc: ChildProcess | null;
  readonly #pid: number;
  readonly #program: string;
  #returncode: number | null = null;
  #closed = false;
  #finished = false;
  #pending: [(...args: any[]) => unknown, unknown[]][] | null = [];
  #exitWaiters: Future<number>[] = [];
  readonly #pipes = new Map<number, SubprocessPipeProtocol>();
  readonly #extra: ExtraInfo;
  /** The parent's end of the stdin pipe (owned by its transport), for {@link #checkStdinReader}. */
  readonly #stdinFd: number | null;
  /** The parent's pipe ends and their inodes, for {@link _closeForLoop}. */
  readonly #pipeInodes = new Map<number, number>();

  /**
   * @internal Made by the capability: takes over the parent's pipe ends of
   * `spawned` (each goes to a pipe transport of `backend`) and listens for
   * the exit. The pipes' waiters go into `waiters`.
   */
  constructor(loop: SchedulingLoop, backend: IoBackend, protocol: SubprocessProtocol, spawned: Spawned, program: string, waiters: Future<void>[]) {
    this.#loop = loop;
    this.#protocol = protocol;
    this.#proc = spawned.proc;
    this.#pid = spawned.proc.pid!;
    this.#program = program;
    this.#extra = { subprocess: spawned.proc };
    this.#stdinFd = spawned.pipes[0];
    for (const fd of spawned.pipes) if (fd !== null) this.#pipeInodes.set(fd, fstatSync(fd).ino);
    const proc = spawned.proc;
    // Node emits 'error' when a kill fails for a reason other than ESRCH; sendSignal reports through process.kill instead.
    proc.on('error', () => {});
    proc.once('exit', (code, signal) => {
      if (loop.isClosed()) return;
      loop.callSoonThreadsafe(() => this._processExited(returncodeOf(code, signal)));
    });
    track(loop, this);
    if (loop.getDebug()) getLogger().debug(`process ${JSON.stringify(program)} created: pid ${this.#pid}`);
    // Make every pipe transport; an end not handed over yet is closed if one fails.
    const ends = [...spawned.pipes];
    try {
      for (const fd of [0, 1, 2]) {
        const end = ends[fd];
        if (end === null || end === undefined) continue;
        const proto = new SubprocessPipeProtocol(this, fd);
        const waiter = loop.createFuture<void>();
        ends[fd] = null;
        try {
          proto.pipe = fd === 0 ? backend.makeWritePipeTransport(end, proto, waiter) : backend.makeReadPipeTransport(end, proto, waiter);
        } catch (err) {
          closeQuietly(end);
          throw err;
        }
        this.#pipes.set(fd, proto);
        waiters.push(waiter);
      }
    } catch (err) {
      for (const end of ends) if (end !== null && end !== undefined) closeQuietly(end);
      this.close();
      untrack(loop, this);
      throw err;
    }
  }

  /** @internal Called once every pipe is connected: connectionMade, then the queued calls. */
  _connected(): void {
    const protocol = this.#protocol;
    const pending = this.#pending;
    if (protocol === null || pending === null) return;
    this.#loop.callSoon(() => protocol.connectionMade(this));
    for (const [cb, args] of pending) this.#loop.callSoon(cb, ...args);
    this.#pending = null;
  }

  #call(cb: (...args: any[]) => unknown, ...args: unknown[]): void {
    if (this.#pending !== null) this.#pending.push([cb, args]);
    else this.#loop.callSoon(cb, ...args);
  }

  /** @internal The protocol, `null` after `connectionLost`. */
  _protocolOrNull(): SubprocessProtocol | null {
    return this.#protocol;
  }

  /** @internal */
  _pipeDataReceived(fd: number, data: Buffer): void {
    const protocol = this.#protocol;
    if (protocol === null) return;
    this.#call((d: Buffer) => protocol.pipeDataReceived(fd, d), data);
  }

  /** @internal */
  _pipeConnectionLost(fd: number, exc: Error | null): void {
    const protocol = this.#protocol;
    if (protocol === null) return;
    this.#call((e: Error | null) => protocol.pipeConnectionLost(fd, e), exc);
    this.#tryFinish();
  }

  /** @internal The child exited with `returncode` (delivered into the loop). */
  _processExited(returncode: number): void {
    if (this.#returncode !== null) return;
    this.#returncode = returncode;
    if (this.#loop.getDebug()) getLogger().info(`${this.toString()} exited with return code ${returncode}`);
    const protocol = this.#protocol;
    if (protocol !== null) this.#call(() => protocol.processExited());
    const waiters = this.#exitWaiters;
    this.#exitWaiters = [];
    for (const w of waiters) if (!w.done()) w.setResult(returncode);
    this.#checkStdinReader();
    this.#tryFinish();
  }

  /**
   * At the exit, the stdin pipe's read end is usually gone (the kernel closed
   * the child's descriptors): if nobody else holds it (a grandchild), close
   * the write transport, whose `connectionLost` follows, as asyncio's write
   * pipe transport does when its reader goes away. A backend that watches the
   * pipe (the selector, the proactor) sees it too, at a moment of its own: the
   * check puts `pipeConnectionLost(0, …)` before `connectionLost` whatever that
   * moment is, and a backend that does not watch it (the proactor on its
   * `net.Socket({ fd })` fallback, which sees it only at the next write) would
   * otherwise never finish (docs/deviations.md D70).
   */
  #checkStdinReader(): void {
    const stdin = this.#pipes.get(0);
    if (stdin === undefined || stdin.disconnected || stdin.pipe === null || stdin.pipe.isClosing() || this.#stdinFd === null) return;
    // No event asked: only an error or a hang-up (the reader gone) is reported.
    const fds = new Int32Array([this.#stdinFd, 0, 0]);
    try {
      if (pollFds(fds, 1, 0) === 1 && fds[2] !== 0) stdin.pipe.close();
    } catch {
      // Not pollable: leave it to the backend.
    }
  }

  #tryFinish(): void {
    if (this.#finished || this.#returncode === null) return;
    for (const p of this.#pipes.values()) if (!p.disconnected) return;
    this.#finished = true;
    this.#call(() => this.#callConnectionLost(null));
  }

  #callConnectionLost(exc: Error | null): void {
    const protocol = this.#protocol;
    try {
      protocol?.connectionLost(exc);
    } finally {
      this.#protocol = null;
      this.#proc = null;
      untrack(this.#loop, this);
    }
  }

  /**
   * @internal A future done with the return code at the exit (asyncio's
   * `_wait()`); already done when the child has exited.
   */
  _wait(): Future<number> {
    const fut = this.#loop.createFuture<number>();
    if (this.#returncode !== null) fut.setResult(this.#returncode);
    else this.#exitWaiters.push(fut);
    return fut;
  }

  getPid(): number {
    return this.#pid;
  }

  getReturncode(): number | null {
    return this.#returncode;
  }

  getPipeTransport(fd: number): ReadTransport | WriteTransport | null {
    return this.#pipes.get(fd)?.pipe ?? null;
  }

  #checkProc(api: string): ChildProcess {
    const proc = this.#proc;
    // Once Node has reaped the child (exitCode / signalCode set) its pid may be reused: never signal it.
    if (proc === null || this.#returncode !== null || proc.exitCode !== null || proc.signalCode !== null) {
      throw systemError('ESRCH', `${api}(): the child process ${this.#pid} has exited (ProcessLookupError)`, {
        errno: -osConstants.errno.ESRCH,
        syscall: 'kill',
      });
    }
    return proc;
  }

  sendSignal(signal: number | NodeJS.Signals): void {
    const sig = checkSignal('sendSignal', signal);
    this.#checkProc('sendSignal');
    process.kill(this.#pid, sig);
  }

  terminate(): void {
    this.#checkProc('terminate');
    process.kill(this.#pid, 'SIGTERM');
  }

  kill(): void {
    this.#checkProc('kill');
    process.kill(this.#pid, 'SIGKILL');
  }

  isClosing(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const p of this.#pipes.values()) p.pipe?.close();
    this.#killIfRunning();
  }

  /**
   * @internal The loop closes: kill a live child and close the pipes. The
   * loop is already closed, so the pipes are aborted (their descriptors
   * closed at once) and the `ERR_LOOP_CLOSED` a transport throws when it
   * tries to schedule `connectionLost` is ignored.
   */
  _closeForLoop(): void {
    untrack(this.#loop, this);
    if (this.#closed) return;
    this.#closed = true;
    this.#killIfRunning();
    for (const p of this.#pipes.values()) {
      // abort(): the descriptor is released at once; close() would wait to flush, which cannot happen any more.
      const pipe = p.pipe;
      if (pipe === null) continue;
      const abort: unknown = (pipe as { abort?: unknown }).abort;
      try {
        if (typeof abort === 'function') (abort as () => void).call(pipe);
        else pipe.close();
      } catch {
        // ERR_LOOP_CLOSED: connectionLost cannot be scheduled on the closed loop.
      }
    }
    // A backend that closes a pipe only after its connectionLost (the selector, as asyncio) never will now: close
    // what is still the pipe we made (same inode: nothing can have reused the number since the abort above).
    for (const [fd, ino] of this.#pipeInodes) {
      try {
        if (fstatSync(fd).ino === ino) closeSync(fd);
      } catch {
        // Closed by the abort.
      }
    }
  }

  #killIfRunning(): void {
    const proc = this.#proc;
    if (proc !== null && this.#returncode === null && proc.exitCode === null && proc.signalCode === null) {
      if (this.#loop.getDebug()) getLogger().warn(`Close running child process: kill ${this.toString()}`);
      try {
        process.kill(this.#pid, 'SIGKILL');
      } catch {
        // ESRCH: it died meanwhile.
      }
    }
  }

  getExtraInfo(name: string, defaultValue: unknown = null): any {
    return Object.prototype.hasOwnProperty.call(this.#extra, name) ? this.#extra[name] : defaultValue;
  }

  setProtocol(protocol: BaseProtocol): void {
    this.#protocol = protocol as SubprocessProtocol;
  }

  getProtocol(): BaseProtocol {
    return this.#protocol as BaseProtocol;
  }

  /** asyncio's repr: `<SubprocessTransport pid=123 running stdin=... stdout=...>`. */
  toString(): string {
    const info = ['SubprocessTransport'];
    if (this.#closed) info.push('closed');
    info.push(`pid=${this.#pid}`);
    if (this.#returncode !== null) info.push(`returncode=${this.#returncode}`);
    else info.push('running');
    for (const [fd, name] of [[0, 'stdin'], [1, 'stdout'], [2, 'stderr']] as const) {
      if (this.#pipes.has(fd)) info.push(`${name}=pipe`);
    }
    return `<${info.join(' ')}>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** @internal The program, for messages. */
  get _program(): string {
    return this.#program;
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed.
  }
}
