/**
 * Happy Eyeballs (RFC 8305) for `createConnection`: the interleaving of
 * resolved addresses by family (asyncio's `_interleave_addrinfos`) and the
 * staggered race of connection attempts (asyncio's `staggered.staggered_race`
 * with `_connect_sock`).
 *
 * HOW the race runs, with loop timers and loop futures only:
 *
 * ```text
 *   start #0 ----delay----> start #1 ----delay----> start #2 ...
 *      |                       |
 *      |  the latest attempt fails -> start the next one at once
 *      v
 *   first success: race = its socket; every other attempt is cancelled
 *                  (cancelling a connectStream future closes its socket);
 *                  a socket that arrives after the winner is closed
 *   all failed:    race = null; the errors stay in each attempt's `errors`
 *   race cancelled (the caller's task was): every attempt is cancelled
 * ```
 *
 * As in asyncio, attempt i+1 starts when attempt i fails or `delay` seconds
 * after attempt i started, whichever is first; a failure of an older attempt
 * does not start anything.
 *
 * WHY loop futures and not Promises: the race is awaited by the task calling
 * `createConnection`; a loop future is what a task's cancellation reaches, so
 * cancelling that task cancels the attempts and closes their sockets.
 *
 * @packageDocumentation
 */
import { runOutsideTask } from '@loop/core';
import { CancelledError, isOsError, systemError, type AddrInfo, type Future, type IoBackend, type SchedulingLoop, type SocketLike, type TimerHandle } from '@loop/interfaces';
import { awaitOwned, bindError } from './args.js';
import { AF_INET, AF_INET6, AF_UNIX } from './constants.js';

/**
 * Reorders `infos` by family (asyncio's `_interleave_addrinfos`): the first
 * `firstAddressFamilyCount - 1` addresses of the first family, then one of
 * each family in turn.
 */
export function interleaveAddrinfos(infos: readonly AddrInfo[], firstAddressFamilyCount = 1): AddrInfo[] {
  const byFamily = new Map<number, AddrInfo[]>();
  for (const info of infos) {
    const list = byFamily.get(info[0]);
    if (list === undefined) byFamily.set(info[0], [info]);
    else list.push(info);
  }
  const lists = [...byFamily.values()];
  const reordered: AddrInfo[] = [];
  if (firstAddressFamilyCount > 1 && lists.length > 0) {
    reordered.push(...lists[0].splice(0, firstAddressFamilyCount - 1));
  }
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let i = 0; i < longest; i++) {
    for (const list of lists) if (i < list.length) reordered.push(list[i]);
  }
  return reordered;
}

/** Python's repr of an address family: `<AddressFamily.AF_INET: 2>`. */
function familyRepr(family: number): string {
  const name = family === AF_INET ? 'AF_INET' : family === AF_INET6 ? 'AF_INET6' : family === AF_UNIX ? 'AF_UNIX' : null;
  return name === null ? String(family) : `<AddressFamily.${name}: ${family}>`;
}

/**
 * One connection attempt to one resolved address (asyncio's `_connect_sock`):
 * with `localAddrs`, tries each local address of the same family in turn
 * until one binds; collects its system errors in `errors`.
 */
export class ConnectAttempt {
  /** The system errors of this attempt, in order (asyncio's `my_exceptions`). */
  readonly errors: unknown[] = [];
  readonly #backend: IoBackend;
  readonly #info: AddrInfo;
  readonly #localAddrs: readonly AddrInfo[] | null;
  #current: Future<SocketLike> | null = null;
  #cancelled = false;

  constructor(backend: IoBackend, info: AddrInfo, localAddrs: readonly AddrInfo[] | null) {
    this.#backend = backend;
    this.#info = info;
    this.#localAddrs = localAddrs;
  }

  /** Abandons the attempt: cancels the pending `connectStream` future (which closes its socket). */
  cancel(): void {
    this.#cancelled = true;
    this.#current?.cancel();
  }

  /** Runs the attempt: the connected socket, or a rejection with the last error. */
  async run(): Promise<SocketLike> {
    const family = this.#info[0];
    const address = this.#info[4];
    try {
      if (this.#localAddrs === null) return await this.#connect(address, family, null);
      for (const [lfamily, , , , laddr] of this.#localAddrs) {
        if (lfamily !== family) continue;
        try {
          return await this.#connect(address, family, laddr);
        } catch (err) {
          if (isOsError(err) && err.syscall === 'bind') {
            this.errors.push(bindError(err, laddr));
            continue;
          }
          throw err;
        }
      }
      if (this.errors.length > 0) throw this.errors.pop();
      throw systemError(null, `no matching local address with family=${familyRepr(family)} found`);
    } catch (err) {
      if (isOsError(err)) this.errors.push(err);
      throw err;
    }
  }

  async #connect(address: AddrInfo[4], family: number, localAddr: AddrInfo[4] | null): Promise<SocketLike> {
    if (this.#cancelled) throw new CancelledError();
    const fut = this.#backend.connectStream(address, { family, localAddr });
    this.#current = fut;
    let sock: SocketLike;
    try {
      sock = await awaitOwned(fut);
    } finally {
      this.#current = null;
    }
    if (this.#cancelled) {
      sock.close();
      throw new CancelledError();
    }
    return sock;
  }
}

/**
 * Races `attempts`, starting one every `delay` seconds or when the latest
 * fails. The future completes with the winner's socket, or `null` when every
 * attempt failed with a system error; it fails with the first error that is
 * not one (a bug), after cancelling the rest.
 */
export function staggeredRace(loop: SchedulingLoop, attempts: readonly ConnectAttempt[], delay: number): Future<SocketLike | null> {
  const race = loop.createFuture<SocketLike | null>();
  const started: ConnectAttempt[] = [];
  let running = 0;
  let timer: TimerHandle | null = null;

  const cancelAll = (except?: ConnectAttempt): void => {
    timer?.cancel();
    timer = null;
    for (const a of started) if (a !== except) a.cancel();
  };

  const startNext = (): void => {
    timer?.cancel();
    timer = null;
    if (race.done()) return;
    if (started.length >= attempts.length) {
      if (running === 0) race.setResult(null);
      return;
    }
    const index = started.length;
    const attempt = attempts[index];
    started.push(attempt);
    running++;
    if (started.length < attempts.length) timer = loop.callLater(delay, startNext);
    // Outside the calling task: a cancellation of that task reaches the race
    // future alone (which then cancels the attempts), never an attempt's inner await.
    runOutsideTask(() => attempt.run()).then(
      (sock) => {
        running--;
        if (race.done()) {
          sock.close();
          return;
        }
        cancelAll(attempt);
        race.setResult(sock);
      },
      (err: unknown) => {
        running--;
        if (race.done()) return;
        if (!isOsError(err) && !(err instanceof CancelledError)) {
          cancelAll();
          race.setException(err);
          return;
        }
        if (index === started.length - 1) startNext();
        else if (running === 0 && started.length >= attempts.length) race.setResult(null);
      },
    );
  };

  race.addDoneCallback(() => {
    if (race.cancelled()) cancelAll();
  });
  startNext();
  return race;
}
