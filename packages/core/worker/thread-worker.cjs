'use strict';
/**
 * The worker-thread side of `ThreadPoolExecutor`: the task handler that
 * piscina calls with each work item.
 *
 * HOW. A task is `{ state, item, args }`. `state` is an `Int32Array` over a
 * `SharedArrayBuffer` of one slot, shared with the parent:
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
const { runWork, serializeError } = require('./run-work.cjs');

const QUEUED = 0;
const RUNNING = 1;

module.exports = async function loopExecutorTask(task) {
  if (Atomics.compareExchange(task.state, 0, QUEUED, RUNNING) !== QUEUED) return { status: 'cancelled' };
  const reply = await runWork(task.item, task.args);
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
};
