/**
 * `timeout(delay, body)` / `timeoutAt(when, body)`: asyncio 3.11's
 * `asyncio.timeout()` scope.
 *
 * States: created -> entered -> (expiring -> expired) | exited.
 * On expiry the task running the scope is cancelled (`expiring`); when the
 * scope exits, that cancellation — and only that one, counted with
 * `uncancel()` — becomes `TimeoutError`. A cancellation from elsewhere stays
 * `CancelledError`.
 *
 * @packageDocumentation
 */
import { RuntimeError, TimeoutError } from '@loop/interfaces';
import type { BaseEventLoop } from './base-event-loop.js';
import { checkSeconds } from './base-event-loop.js';
import { isCancelledError } from './futures.js';
import type { Handle } from './handles.js';
import { getEventLoop } from './policies.js';
import { NO_ERROR, ScopeFuture, checkBody } from './scope.js';
import type { ExitSteps, ScopeBody } from './scope.js';
import type { Task } from './tasks.js';

type TimeoutState = 'created' | 'active' | 'expiring' | 'expired' | 'finished';

/** The scope object of `timeout()`: its deadline, which can move. */
export class Timeout {
  #state: TimeoutState = 'created';
  #when: number | null;
  #handler: Handle | null = null;
  #task: Task<unknown> | null = null;
  /** The task's `cancelling()` when the scope was entered. */
  #cancelling = 0;
  readonly #loop: BaseEventLoop;

  /** @internal Made by `timeout()` / `timeoutAt()`. */
  constructor(loop: BaseEventLoop, when: number | null) {
    this.#loop = loop;
    this.#when = when;
  }

  /** The deadline in loop time, or `null` for none. */
  when(): number | null {
    return this.#when;
  }

  /**
   * Moves the deadline (`null`: none). A deadline already past expires at
   * the next iteration. `RuntimeError` unless the scope is active.
   */
  reschedule(when: number | null): void {
    if (this.#state === 'created') throw new RuntimeError('Timeout has not been entered');
    if (this.#state !== 'active') throw new RuntimeError(`Cannot change state of ${this.#state} Timeout`);
    if (when !== null) checkSeconds(when, 'Timeout.reschedule', 'when');
    this.#when = when;
    this.#handler?.cancel();
    if (when === null) this.#handler = null;
    else if (when <= this.#loop.time()) this.#handler = this.#loop.callSoon(() => this.#onTimeout());
    else this.#handler = this.#loop.callAt(when, () => this.#onTimeout());
  }

  /** Whether the deadline passed (the scope cancelled its task). */
  expired(): boolean {
    return this.#state === 'expiring' || this.#state === 'expired';
  }

  /** asyncio's repr: `<Timeout [active] when=12.5>`. */
  toString(): string {
    const when = this.#state === 'active' ? ` when=${String(this.#when)}` : '';
    return `<Timeout [${this.#state}]${when}>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** @internal */
  _enter(task: Task<unknown>): void {
    if (this.#state !== 'created') throw new RuntimeError('Timeout has already been entered');
    this.#state = 'active';
    this.#task = task;
    this.#cancelling = task.cancelling();
    this.reschedule(this.#when);
  }

  /** @internal */
  *_exit(error: unknown): ExitSteps {
    this.#handler?.cancel();
    this.#handler = null;
    if (this.#state === 'expiring') {
      this.#state = 'expired';
      if ((this.#task as Task<unknown>).uncancel() <= this.#cancelling && error !== NO_ERROR && isCancelledError(error)) {
        // No new cancellation requests since entering: this one was ours.
        throw new TimeoutError('', { cause: error });
      }
    } else if (this.#state === 'active') {
      this.#state = 'finished';
    }
  }

  #onTimeout(): void {
    (this.#task as Task<unknown>).cancel();
    this.#state = 'expiring';
    this.#handler = null;
  }
}

function makeScope<R>(api: string, when: number | null, body: ScopeBody<Timeout, R>, loop: BaseEventLoop): ScopeFuture<Timeout, R> {
  const cm = new Timeout(loop, when);
  return new ScopeFuture(loop, cm, body, {
    api,
    enter: (task) => cm._enter(task),
    exit: (_task, error) => cm._exit(error),
  });
}

/**
 * Runs `body(cm)` in the current task with a deadline `delay` seconds from
 * now (`null`: none); the awaitable resolves to the body's result, or fails
 * with `TimeoutError` if the deadline passed.
 */
export function timeout<R>(delay: number | null, body: ScopeBody<Timeout, R>): ScopeFuture<Timeout, R> {
  if (delay !== null) checkSeconds(delay, 'timeout', 'delay');
  checkBody('timeout', body);
  const loop = getEventLoop();
  return makeScope('timeout', delay === null ? null : loop.time() + delay, body, loop);
}

/** `timeout()` with an absolute deadline in loop time (`null`: none). */
export function timeoutAt<R>(when: number | null, body: ScopeBody<Timeout, R>): ScopeFuture<Timeout, R> {
  if (when !== null) checkSeconds(when, 'timeoutAt', 'when');
  checkBody('timeoutAt', body);
  return makeScope('timeoutAt', when, body, getEventLoop());
}
