'use strict';
/**
 * The child-process side of `ProcessPoolExecutor`, started with
 * `child_process.fork(..., { serialization: 'advanced' })` so that messages
 * cross by structured clone (Map, Set, typed arrays, Date, BigInt...).
 *
 * HOW. The parent sends `{ type: 'run', id, key, args }` (`key` names the work:
 * see `run-work.cjs`), one at a time;
 * the child answers `{ id, ...reply }` with the reply of `run-work.cjs`, then
 * waits for the next. A result that cannot be cloned is answered with
 * `{ status: 'unsendable' }` instead. When the parent disconnects (shutdown,
 * or the parent died) the child exits. Anything else that kills the child
 * (`process.exit()` in the work, an uncaught exception in a callback it left
 * behind) is seen by the parent as the exit of the process that held the work.
 */
const { runWork, serializeError } = require('./run-work.cjs');

process.on('message', (message) => {
  if (message === null || typeof message !== 'object' || message.type !== 'run') return;
  void Promise.resolve(runWork(message.key, message.args)).then((reply) => {
    if (!process.connected) return;
    try {
      process.send({ id: message.id, ...reply });
    } catch (err) {
      process.send({ id: message.id, status: 'unsendable', error: serializeError(err) });
    }
  });
});

process.on('disconnect', () => process.exit(0));
