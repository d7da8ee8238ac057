/**
 * loop.createServer(). Being written (issue 4): rejects with NotImplementedError until then.
 *
 * @packageDocumentation
 */
import { NotImplementedError, type SchedulingLoop, type ProtocolFactory, type CreateServerOptions, type Server } from '@loop/interfaces';

/** loop.createServer(). */
export async function createServer(_loop: SchedulingLoop, _factory: ProtocolFactory, _host?: string | readonly string[] | null, _port?: number | string | null, _options?: CreateServerOptions): Promise<Server> {
  await Promise.resolve();
  throw new NotImplementedError('createServer in @loop/net is being written (issue 4)');
}
