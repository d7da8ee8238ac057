'use strict';
/**
 * The worker-thread side of `ThreadPoolExecutor`: the task handler that
 * piscina calls with each work item.
 *
 * HOW. A task is the array `[slot, key, ...args]`: `slot` indexes the
 * parent's `Int32Array` of states over a `SharedArrayBuffer`, given to every
 * thread once as piscina's `workerData` (or, when the parent ran out of
 * slots, is a one-slot `Int32Array` of its own); `key` names the work
 * (`run-work.cjs`). One flat array and one string are the least that
 * structured clone copies per round trip.
 *
 *   QUEUED (0) --worker claims--> RUNNING (1) --> DONE (3)    the answer is the result itself
 *                                           \--> FAILED (4)  the answer is a failure reply
 *   QUEUED (0) --parent cancel()-> CANCELLED (2)              the answer is null, ignored
 *
 * QUEUED -> RUNNING and QUEUED -> CANCELLED are `Atomics.compareExchange`
 * on both sides, so exactly one of "the work starts" and "cancel() returns
 * true" happens, whatever the timing. A task that finds CANCELLED returns at
 * once without running anything. The final state is stored before the
 * handler returns, so the parent reads it once the answer has arrived: a
 * successful result crosses as it is, with no reply object around it to
 * clone on both sides; a failure crosses as the reply of `run-work.cjs`
 * (`{ status: 'error', error }`, ...).
 *
 * WHY results are test-serialised. Piscina posts the answer after this
 * handler returns; a result that cannot be cloned then kills the thread with
 * an error that reaches the parent as `{}`. So an object result is first
 * serialised with `v8.serialize` (serialisation only, no copy back;
 * `structuredClone` for what v8.serialize refuses but postMessage accepts,
 * like SharedArrayBuffer), and a failure is answered as
 * `{ status: 'unsendable' }`. Primitives are always cloneable and skip the
 * check.
 */
const v8 = require('node:v8');
const { workerData } = require('piscina');
const { resolveWork, workFailure, serializeError } = require('./run-work.cjs');

const QUEUED = 0;
const RUNNING = 1;
const DONE = 3;
const FAILED = 4;

/** The parent's shared slots (one per queued or running task). */
const sharedStates = workerData !== undefined && workerData !== null ? workerData.states : undefined;

module.exports = function loopExecutorTask(task) {
  const head = task[0];
  const states = typeof head === 'number' ? sharedStates : head;
  const slot = typeof head === 'number' ? head : 0;
  if (Atomics.compareExchange(states, slot, QUEUED, RUNNING) !== QUEUED) return null;
  const work = resolveWork(task[1]);
  if (work.fn !== undefined) return run(states, slot, work, task);
  if (typeof work.then !== 'function') return failed(states, slot, work);
  // A module's first use: a synchronous reply would wait for it anyway.
  return work.then((w) => (w.fn !== undefined ? run(states, slot, w, task) : failed(states, slot, w)));
};

/** Calls the work with `task[2..]`; a plain result is answered at once, a promise when it settles. */
function run(states, slot, work, task) {
  const fn = work.fn; // called as a plain function: no receiver, as fn(...args)
  let result;
  try {
    // The common single argument without copying the array; the same call either way.
    result = task.length === 3 ? fn(task[2]) : fn(...task.slice(2));
  } catch (err) {
    return failed(states, slot, workFailure(work.item, err));
  }
  if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
    return Promise.resolve(result).then(
      (value) => done(states, slot, value),
      (err) => failed(states, slot, workFailure(work.item, err)),
    );
  }
  return done(states, slot, result);
}

/** RUNNING -> DONE, answering the result; or FAILED when it cannot be posted back (see the header). */
function done(states, slot, value) {
  if (value !== null && (typeof value === 'object' || typeof value === 'function' || typeof value === 'symbol')) {
    try {
      v8.serialize(value);
    } catch {
      try {
        structuredClone(value);
      } catch (err) {
        return failed(states, slot, { status: 'unsendable', error: serializeError(err) });
      }
    }
  }
  Atomics.store(states, slot, DONE);
  return value;
}

/** RUNNING -> FAILED, answering the failure reply. */
function failed(states, slot, reply) {
  Atomics.store(states, slot, FAILED);
  return reply;
}
