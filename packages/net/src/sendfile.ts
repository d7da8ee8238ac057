/**
 * `loop.sendfile()` (asyncio's `base_events.sendfile`). Being written (issue 4).
 *
 * @packageDocumentation
 */
import { NotImplementedError, type FileLike, type SchedulingLoop, type SendfileOptions, type WriteTransport } from '@loop/interfaces';

/** `loop.sendfile()` (called with `this` = the loop). */
export function sendfile(
  this: SchedulingLoop,
  _transport: WriteTransport,
  _file: FileLike,
  _offset?: number,
  _count?: number | null,
  _options?: SendfileOptions,
): Promise<number> {
  return Promise.reject(new NotImplementedError('sendfile in @loop/net is being written (issue 4)'));
}
