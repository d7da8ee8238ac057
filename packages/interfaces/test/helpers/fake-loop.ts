// A minimal scheduling loop for the interface tests: just enough of
// SchedulingLoop (and ExecutorMethods, as BaseEventLoop has them) to compose
// capabilities onto and to back a BackendHost. Callbacks run as microtasks;
// this is not the real loop's ordering and the tests do not rely on it.
import {
  BACKEND,
  CancelledError,
  FUTURE_BLOCKING,
  InvalidStateError,
  type Awaitable,
  type BackendCarrier,
  type Context,
  type CoroutineLike,
  type CreateTaskOptions,
  type ExceptionContext,
  type ExceptionHandler,
  type Executor,
  type ExecutorMethods,
  type Future,
  type Handle,
  type IoBackend,
  type SchedulingLoop,
  type Task,
  type TaskFactory,
  type TimerHandle,
  type WorkReference,
} from '../../src/index.js';

const emptyContext: Context = {
  run: (fn, ...args) => fn(...args),
  copy: () => emptyContext,
};

class FakeHandle implements TimerHandle {
  #cancelled = false;
  constructor(readonly at: number) {}
  cancel(): void {
    this.#cancelled = true;
  }
  cancelled(): boolean {
    return this.#cancelled;
  }
  getContext(): Context {
    return emptyContext;
  }
  when(): number {
    return this.at;
  }
}

export class FakeFuture<T> implements Future<T> {
  #state: 'pending' | 'cancelled' | 'finished' = 'pending';
  #result: T | undefined;
  #exception: unknown = null;
  #callbacks: ((fut: this) => void)[] = [];
  [FUTURE_BLOCKING] = false;
  constructor(readonly loop: FakeLoop) {}
  result(): T {
    if (this.#state === 'cancelled') throw new CancelledError();
    if (this.#state === 'pending') throw new InvalidStateError('Result is not ready.');
    if (this.#exception !== null) throw this.#exception;
    return this.#result as T;
  }
  exception(): unknown {
    if (this.#state === 'cancelled') throw new CancelledError();
    if (this.#state === 'pending') throw new InvalidStateError('Exception is not set.');
    return this.#exception;
  }
  done(): boolean {
    return this.#state !== 'pending';
  }
  cancelled(): boolean {
    return this.#state === 'cancelled';
  }
  addDoneCallback(cb: (fut: this) => void): void {
    if (this.done()) this.loop.callSoon(cb, this);
    else this.#callbacks.push(cb);
  }
  removeDoneCallback(cb: (fut: this) => void): number {
    const before = this.#callbacks.length;
    this.#callbacks = this.#callbacks.filter((c) => c !== cb);
    return before - this.#callbacks.length;
  }
  #finish(state: 'cancelled' | 'finished'): void {
    if (this.done()) throw new InvalidStateError('invalid state');
    this.#state = state;
    for (const cb of this.#callbacks) this.loop.callSoon(cb, this);
    this.#callbacks = [];
  }
  setResult(value: T): void {
    this.#result = value;
    this.#finish('finished');
  }
  setException(exception: unknown): void {
    this.#exception = exception;
    this.#finish('finished');
  }
  cancel(): boolean {
    if (this.done()) return false;
    this.#finish('cancelled');
    return true;
  }
  getLoop(): SchedulingLoop {
    return this.loop;
  }
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): PromiseLike<R1 | R2> {
    return new Promise<T>((resolve, reject) => {
      this.addDoneCallback((f) => {
        try {
          resolve(f.result());
        } catch (err) {
          reject(err);
        }
      });
    }).then(onfulfilled, onrejected);
  }
  *[Symbol.iterator](): Generator<Future<T>, T, unknown> {
    if (!this.done()) {
      this[FUTURE_BLOCKING] = true;
      yield this;
    }
    return this.result();
  }
}

/** A scheduling loop without I/O, shaped like BaseEventLoop (constructor option `backend`). */
export class FakeLoop implements SchedulingLoop, ExecutorMethods, BackendCarrier {
  slowCallbackDuration = 0.1;
  readonly [BACKEND]: IoBackend | null;
  readonly handled: ExceptionContext[] = [];
  #closed = false;
  #debug = false;
  #handler: ExceptionHandler | null = null;
  #factory: TaskFactory | null = null;

  constructor(options: { backend?: IoBackend } = {}) {
    this[BACKEND] = options.backend ?? null;
  }

  static describe(): string {
    return 'FakeLoop';
  }

  runForever(): Promise<void> {
    return Promise.resolve();
  }
  runUntilComplete<T>(future: Awaitable<T>): Promise<T> {
    return Promise.resolve(future as PromiseLike<T>);
  }
  stop(): void {}
  isRunning(): boolean {
    return false;
  }
  isClosed(): boolean {
    return this.#closed;
  }
  close(): void {
    this.#closed = true;
  }
  shutdownAsyncgens(): Promise<void> {
    return Promise.resolve();
  }
  callSoon<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle {
    const handle = new FakeHandle(0);
    queueMicrotask(() => {
      if (!handle.cancelled()) callback(...args);
    });
    return handle;
  }
  callSoonThreadsafe<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle {
    return this.callSoon(callback, ...args);
  }
  callLater<A extends unknown[]>(delay: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    return this.callAt(this.time() + delay, callback, ...args);
  }
  callAt<A extends unknown[]>(when: number, _callback: (...args: A) => unknown, ..._args: A): TimerHandle {
    return new FakeHandle(when);
  }
  time(): number {
    return 0;
  }
  createFuture<T = unknown>(): Future<T> {
    return new FakeFuture<T>(this);
  }
  createTask<T>(_coro: CoroutineLike<T>, _options?: CreateTaskOptions): Task<T> {
    throw new Error('FakeLoop has no tasks');
  }
  setTaskFactory(factory: TaskFactory | null): void {
    this.#factory = factory;
  }
  getTaskFactory(): TaskFactory | null {
    return this.#factory;
  }
  setExceptionHandler(handler: ExceptionHandler | null): void {
    this.#handler = handler;
  }
  getExceptionHandler(): ExceptionHandler | null {
    return this.#handler;
  }
  defaultExceptionHandler(context: ExceptionContext): void {
    this.handled.push(context);
  }
  callExceptionHandler(context: ExceptionContext): void {
    if (this.#handler) this.#handler(this, context);
    else this.defaultExceptionHandler(context);
  }
  getDebug(): boolean {
    return this.#debug;
  }
  setDebug(enabled: boolean): void {
    this.#debug = enabled;
  }
  runInExecutor<A extends unknown[], T>(
    _executor: Executor | null,
    _func: ((...args: A) => T | PromiseLike<T>) | WorkReference,
    ..._args: A
  ): Future<T> {
    return this.createFuture<T>();
  }
  setDefaultExecutor(_executor: Executor): void {}
  shutdownDefaultExecutor(_timeout?: number | null): Promise<void> {
    return Promise.resolve();
  }
}
