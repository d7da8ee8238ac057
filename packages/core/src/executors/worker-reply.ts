/**
 * The reply a worker sends for one work item (`worker/run-work.cjs` builds
 * it), and how the parent settles the submission from it.
 *
 *   { status: 'ok', value }                          -> resolves with value
 *   { status: 'error', error }                       -> rejects with the rebuilt error
 *   { status: 'thrown', value }                      -> rejects with the value
 *   { status: 'not-self-contained', identifier, error } -> TypeError (self-contained)
 *   { status: 'bad-export', found }                  -> TypeError (no such function)
 *   { status: 'unsendable', error }                  -> TypeError (result not cloneable)
 *
 * A worker thread sends a successful result bare, without the `ok` reply
 * around it, and says which it sent in its shared state slot
 * (`thread-pool-executor.ts`); it sends these replies only for failures.
 *
 * @packageDocumentation
 */
import { loopError } from '@loop/interfaces';
import type { ExecutorWork } from './executor-work.js';
import { rebuildError } from './remote-error.js';
import type { SerializedError } from './remote-error.js';
import { badExportError, describeWork, notSelfContainedError } from './work-item.js';
import type { WorkItem } from './work-item.js';

/** What a worker answers for one work item. */
export type WorkerReply =
  | { status: 'ok'; value: unknown }
  | { status: 'error'; error: SerializedError }
  | { status: 'thrown'; value: unknown }
  | { status: 'not-self-contained'; identifier: string; error: SerializedError }
  | { status: 'bad-export'; found: string }
  | { status: 'unsendable'; error: SerializedError };

/** The `TypeError` for a result that cannot be structured-cloned back to the loop. */
export function unsendableResultError(api: string, item: WorkItem, cause: unknown): TypeError {
  const err = loopError(
    TypeError,
    'ERR_LOOP_INVALID_ARG',
    `${api}: the result of ${describeWork(item)} cannot be sent back from the worker: it cannot be structured-cloned (${cause instanceof Error ? cause.message : String(cause)})`,
  );
  (err as { cause?: unknown }).cause = cause;
  return err;
}

/** The `TypeError` for arguments that cannot be structured-cloned to the worker. */
export function unsendableArgsError(api: string, item: WorkItem, cause: unknown): TypeError {
  const err = loopError(
    TypeError,
    'ERR_LOOP_INVALID_ARG',
    `${api}: the arguments of ${describeWork(item)} cannot be sent to a worker: they cannot be structured-cloned (${cause instanceof Error ? cause.message : String(cause)})`,
  );
  (err as { cause?: unknown }).cause = cause;
  return err;
}

/** Settles `work` from the worker's `reply`. */
export function settleFromReply(api: string, item: WorkItem, work: ExecutorWork<unknown>, reply: WorkerReply): void {
  switch (reply.status) {
    case 'ok':
      work._settle(true, reply.value);
      return;
    case 'error':
      work._settle(false, rebuildError(reply.error));
      return;
    case 'thrown':
      work._settle(false, reply.value);
      return;
    case 'not-self-contained':
      work._settle(false, notSelfContainedError(api, item, reply.identifier, rebuildError(reply.error)));
      return;
    case 'bad-export':
      work._settle(false, badExportError(api, item, reply.found));
      return;
    case 'unsendable':
      work._settle(false, unsendableResultError(api, item, rebuildError(reply.error)));
      return;
  }
}
