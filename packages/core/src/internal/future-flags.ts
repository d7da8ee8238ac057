/**
 * The bits of `Future._flags`, and of `Task`'s (a task is a future): the one
 * table of them, as libuv names its `UV_HANDLE_*` bits in one enum and tokio
 * its task state bits in `runtime/task/state.rs`.
 *
 * WHY bits. Futures and tasks are made by the hundred thousand; each field is
 * 8 bytes that the garbage collector copies. The boolean state of both lives
 * in one small integer (a pending `Future` is 72 bytes: measure with
 * `node --expose-gc bench/dist/index.js --only memory.future`). Rare state
 * (the `cancel()` message, the debug creation site, an async task's extra
 * awaits) lives in side tables instead.
 *
 *   bits   name                 of       set while
 *   -----  -------------------  -------  ------------------------------------------------
 *   0      LOG_TRACEBACK        Future   an exception is set and not yet retrieved
 *                                        (asyncio's `_log_traceback`)
 *   1      BLOCKING             Future   `yield* fut` is handing the future to its task
 *                                        (asyncio's `_asyncio_future_blocking`)
 *   2      MUST_CANCEL          Task     a cancellation is to be thrown in at the next step
 *                                        (asyncio's `_must_cancel`)
 *   3      LOG_DESTROY_PENDING  Task     `close()` reports the task if still pending
 *   4-5    KIND                 Task     what the task drives, known from its first step:
 *                                        0 unstarted, KIND_GENERATOR, KIND_ASYNC
 *   6      FOREIGN              Future   bound to a loop that is not core's: callbacks go
 *                                        through its `callSoon` (ADR 0011)
 *   7      (free)
 *   8-30   CANCELS              Task     pending cancellation requests (`cancelling()`),
 *                                        a count: `_flags >>> CANCELS_SHIFT`
 *
 * Each bit is read and written through the named accessor of its class
 * (`_logTraceback`, `_blocking`, `_mustCancel`, `_logDestroyPending`,
 * `_kind`, `_numCancelsRequested`), never as a literal.
 *
 * Internal: not reachable through the package's `exports`.
 */

/** Bit 0 (Future): an exception is set and not yet retrieved. */
export const FLAG_LOG_TRACEBACK = 1 << 0;
/** Bit 1 (Future): set by the iterator just before it yields the future to a task. */
export const FLAG_BLOCKING = 1 << 1;
/** Bit 6 (Future): bound to a loop that is not a core loop (ADR 0011). */
export const FLAG_FOREIGN = 1 << 6;
/** Bit 2 (Task): a cancellation is to be thrown in at the next step. */
export const FLAG_MUST_CANCEL = 1 << 2;
/** Bit 3 (Task): `close()` reports the task if it is still pending. */
export const FLAG_LOG_DESTROY_PENDING = 1 << 3;
/** Bits 4-5 (Task), value: the task drives a generator coroutine. */
export const KIND_GENERATOR = 1 << 4;
/** Bits 4-5 (Task), value: the task follows an async function's promise. */
export const KIND_ASYNC = 1 << 5;
/** Bits 4-5 (Task): the kind field (0: not started). */
export const KIND_MASK = KIND_GENERATOR | KIND_ASYNC;
/** Bits 8-30 (Task): the count of pending cancellation requests starts here. */
export const CANCELS_SHIFT = 8;
/** One cancellation request in the count. */
export const CANCELS_ONE = 1 << CANCELS_SHIFT;
