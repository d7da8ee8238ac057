/**
 * loop.createConnection(). Being written (issue 4): rejects with NotImplementedError until then.
 *
 * @packageDocumentation
 */
import { NotImplementedError, type SchedulingLoop, type BaseProtocol, type ProtocolFactory, type CreateConnectionOptions, type Transport } from '@loop/interfaces';

/** loop.createConnection(). */
export async function createConnection<P extends BaseProtocol>(_loop: SchedulingLoop, _factory: ProtocolFactory<P>, _host?: string | null, _port?: number | string | null, _options?: CreateConnectionOptions): Promise<[Transport, P]> {
  await Promise.resolve();
  throw new NotImplementedError('createConnection in @loop/net is being written (issue 4)');
}
