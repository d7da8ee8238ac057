/**
 * The marker that a done-callback entry of a future is a task waiting for it
 * (asyncio's `add_done_callback(task.__wakeup)`): instead of a callback, the
 * task itself goes to the ready queue when the future completes.
 */
export const TASK_WAKEUP: unique symbol = Symbol('TASK_WAKEUP');
