'use strict';
/**
 * The worker-thread side of `ThreadPoolExecutor`: the task handler that
 * piscina calls with each work item.
 *
 * HOW. A task is `{ slot, item, args }`: `slot` indexes the parent's
 * `Int32Array` of cancellation states over a `SharedArrayBuffer`, given to
 * every thread once as piscina's `workerData` (or, when the parent ran out of
 * slots, `{ state, item, args }` with a one-slot array of its own):
 *
 *   QUEUED (0) --worker claims--> RUNNING (1)
 *   QUEUED (0) --parent cancel()-> CANCELLED (2)
 *
 * Both sides move it with `Atomics.compareExchange`, so exactly one of
 * "the work starts" and "cancel() returns true" happens, whatever the timing.
 * A task that finds CANCELLED returns at once without running anything.
 * The outcome is the reply of `run-work.cjs`.
 *
 * WHY results are test-serialised. Piscina posts the reply after this handler
 * returns; a result that cannot be cloned then kills the thread with an error
 * that reaches the parent as `{}`. So an object result is first serialised
 * with `v8.serialize` (serialisation only, no copy back; `structuredClone` for
 * what v8.serialize refuses but postMessage accepts, like SharedArrayBuffer),
 * and a failure is answered as `{ status: 'unsendable' }`. Primitives are
 * always cloneable and skip the check.
 */
const v8 = require('node:v8');
const { workerData } = require('piscina');
const { runWork, serializeError } = require('./run-work.cjs');

const QUEUED = 0;
const RUNNING = 1;

/** The parent's shared cancellation slots (one per queued or running task). */
const sharedStates = workerData !== undefined && workerData !== null ? workerData.states : undefined;

module.exports = function loopExecutorTask(task) {
  const states = task.state !== undefined ? task.state : sharedStates;
  const slot = task.state !== undefined ? 0 : task.slot;
  if (Atomics.compareExchange(states, slot, QUEUED, RUNNING) !== QUEUED) return { status: 'cancelled' };
  const reply = runWork(task.item, task.args);
  // A synchronous reply goes back at once (piscina awaits only promises).
  return typeof reply.then === 'function' ? reply.then(checkSendable) : checkSendable(reply);
};

/** Makes sure an object result can be posted back (see the header). */
function checkSendable(reply) {
  const value = reply.value;
  if (value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')) return reply;
  try {
    v8.serialize(value);
  } catch {
    try {
      structuredClone(value);
    } catch (err) {
      return { status: 'unsendable', error: serializeError(err) };
    }
  }
  return reply;
}
