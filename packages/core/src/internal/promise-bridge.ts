/**
 * What futures and tasks tell their loop about promise-side work: the narrow
 * internal interface between `futures.ts` / `tasks.ts` and
 * `base-event-loop.ts`, as `handles.ts` has `HandleLoop`.
 *
 * An async function awaits loop futures through `Future.then`, and resumes
 * in a promise job, outside any loop callback. For it to resume where a
 * generator task's step would (`docs/loop-iteration.md`), the loop must know
 * when a callback settled such an await, and when the resumed code is
 * suspended again. Futures and tasks only *report* these events through the
 * methods below; the loop alone reads and clears what they set (its private
 * `#jsWake`, `#jsActivity`, `#jsAwaited`, `#resuming`, whose invariants are
 * written next to them in `base-event-loop.ts`).
 *
 * Internal: not reachable through the package's `exports`.
 */

/** The loop as futures and tasks see it for the promise bridge. */
export interface PromiseBridge {
  /**
   * A loop callback (a future's done callback) is settling a promise that an
   * async function awaits: let the microtask queue drain before the next
   * callback. `task` is the async-function task that resumes, or `null` when
   * the awaiter is not a task's.
   */
  _noteJsWake(task: { readonly _state: string } | null): void;
  /** Promise-side work touched the loop: a `then()` that is not a task's await of a pending future, an async task's end, a promise-like's outcome reaching a loop future. */
  _noteJsActivity(): void;
  /** A task's async function suspended on a pending loop future (`Future.then`). */
  _noteJsAwaited(): void;
}
