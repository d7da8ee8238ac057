/**
 * loop.createUnixConnection() and loop.createUnixServer(). Being written (issue 4).
 *
 * @packageDocumentation
 */
import { NotImplementedError, type SchedulingLoop, type BaseProtocol, type ProtocolFactory, type CreateUnixConnectionOptions, type CreateUnixServerOptions, type Server, type Transport } from '@loop/interfaces';

/** loop.createUnixConnection(). */
export async function createUnixConnection<P extends BaseProtocol>(_loop: SchedulingLoop, _factory: ProtocolFactory<P>, _path?: string | null, _options?: CreateUnixConnectionOptions): Promise<[Transport, P]> {
  await Promise.resolve();
  throw new NotImplementedError('createUnixConnection in @loop/net is being written (issue 4)');
}

/** loop.createUnixServer(). */
export async function createUnixServer(_loop: SchedulingLoop, _factory: ProtocolFactory, _path?: string | null, _options?: CreateUnixServerOptions): Promise<Server> {
  await Promise.resolve();
  throw new NotImplementedError('createUnixServer in @loop/net is being written (issue 4)');
}
