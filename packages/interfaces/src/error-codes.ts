/**
 * The stable `code` of every error that @loop throws, and the class that
 * carries it. `docs/errors.md` documents when each is thrown; a test keeps the
 * two in step.
 *
 * Codes are part of the public API: a code is never renamed or reused for a
 * different rule. Messages may improve; match on `code`, not on the message.
 *
 * @packageDocumentation
 */

/**
 * Every `ERR_LOOP_*` code, mapped to the class of the error that carries it.
 * `TypeError` and `RangeError` are the built-ins, built with `loopError`.
 * Frozen.
 */
export const LOOP_ERROR_CODES = Object.freeze({
  /** A `RuntimeError` with no more precise code. */
  ERR_LOOP_RUNTIME: 'RuntimeError',
  /** `Event loop is closed`: an operation on a closed loop. */
  ERR_LOOP_CLOSED: 'RuntimeError',
  /** `This event loop is already running` / `Cannot run the event loop while another loop is running`. */
  ERR_LOOP_RUNNING: 'RuntimeError',
  /** `no running event loop`: `getRunningLoop()` outside a running loop. */
  ERR_LOOP_NO_RUNNING_LOOP: 'RuntimeError',
  /** `getEventLoop()` in a thread whose policy has no current loop. */
  ERR_LOOP_NO_CURRENT_LOOP: 'RuntimeError',
  /** A scope (`timeout`, `taskGroup`) used outside a task. */
  ERR_LOOP_NO_TASK: 'RuntimeError',
  /** `runInExecutor(null, ...)` after `shutdownDefaultExecutor()`. */
  ERR_LOOP_EXECUTOR_SHUTDOWN: 'RuntimeError',
  /** `ContextVar.get()` with no value in the context and no default (Python's `LookupError`). */
  ERR_LOOP_LOOKUP: 'RangeError',
  /** A coroutine yielded something that is not a future, `null` or `undefined`. */
  ERR_LOOP_BAD_YIELD: 'RuntimeError',
  /** `Context.run()` on a context that is already entered. */
  ERR_LOOP_CONTEXT_ENTERED: 'RuntimeError',
  /** `write()` on a transport after `writeEof()` (even with empty data). */
  ERR_LOOP_WRITE_AFTER_EOF: 'RuntimeError',
  /** `addReader`/`addWriter` on a file descriptor that a transport owns. */
  ERR_LOOP_FD_IN_USE: 'RuntimeError',
  /** A method or capability that this loop (or class) does not provide. */
  ERR_LOOP_NOT_IMPLEMENTED: 'NotImplementedError',
  /** `sendfile`/`sockSendfile` with `fallback: false` where the system call is unusable. */
  ERR_LOOP_SENDFILE_NOT_AVAILABLE: 'SendfileNotAvailableError',
  /** The operation was cancelled. */
  ERR_LOOP_CANCELLED: 'CancelledError',
  /** An operation not allowed in the object's current state (a future already done, a result not ready). */
  ERR_LOOP_INVALID_STATE: 'InvalidStateError',
  /** A deadline passed. */
  ERR_LOOP_TIMEOUT: 'TimeoutError',
  /** A stream ended before the expected number of bytes. */
  ERR_LOOP_INCOMPLETE_READ: 'IncompleteReadError',
  /** A stream's buffer limit was reached while looking for a separator. */
  ERR_LOOP_LIMIT_OVERRUN: 'LimitOverrunError',
  /** `createConnection()`: every attempt failed, with different errors (asyncio's `OSError('Multiple exceptions: ...')`). */
  ERR_LOOP_MULTIPLE_ERRORS: 'Error',
  /** A `BaseExceptionGroup` / `ExceptionGroup`. */
  ERR_LOOP_EXCEPTION_GROUP: 'BaseExceptionGroup',
  /** `addSignalHandler()` of a signal that cannot be caught (`SIGKILL`, `SIGSTOP`). */
  ERR_LOOP_SIGNAL_UNCATCHABLE: 'RuntimeError',
  /** `addSignalHandler()` outside the main thread: Node delivers signals to the main thread only. */
  ERR_LOOP_NOT_MAIN_THREAD: 'RuntimeError',
  /** `run()` interrupted by Ctrl-C (SIGINT): Python's `KeyboardInterrupt`. */
  ERR_LOOP_KEYBOARD_INTERRUPT: 'KeyboardInterrupt',
  /** A lock, semaphore, condition, event, barrier or queue used from a loop other than the one it is bound to. */
  ERR_LOOP_BOUND_TO_OTHER_LOOP: 'RuntimeError',
  /** `release()` of an unlocked `Lock`; `Condition.wait()` / `notify()` without holding its lock. */
  ERR_LOOP_NOT_ACQUIRED: 'RuntimeError',
  /** `Barrier.wait()` on a barrier aborted, or reset while the task waited. */
  ERR_LOOP_BROKEN_BARRIER: 'BrokenBarrierError',
  /** `Queue.getNowait()` on an empty queue. */
  ERR_LOOP_QUEUE_EMPTY: 'QueueEmpty',
  /** `Queue.putNowait()` on a full queue. */
  ERR_LOOP_QUEUE_FULL: 'QueueFull',
  /** An argument of the wrong type (asyncio's `TypeError`). */
  ERR_LOOP_INVALID_ARG: 'TypeError',
  /** An argument of the right type but an invalid value (asyncio's `ValueError`). */
  ERR_LOOP_OUT_OF_RANGE: 'RangeError',
} as const);

/** A stable error code of @loop. */
export type LoopErrorCode = keyof typeof LOOP_ERROR_CODES;
