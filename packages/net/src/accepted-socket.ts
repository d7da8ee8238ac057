/**
 * loop.connectAcceptedSocket(). Being written (issue 4): rejects with NotImplementedError until then.
 *
 * @packageDocumentation
 */
import { NotImplementedError, type SchedulingLoop, type BaseProtocol, type ProtocolFactory, type SocketLike, type ConnectAcceptedSocketOptions, type Transport } from '@loop/interfaces';

/** loop.connectAcceptedSocket(). */
export async function connectAcceptedSocket<P extends BaseProtocol>(_loop: SchedulingLoop, _factory: ProtocolFactory<P>, _sock: SocketLike, _options?: ConnectAcceptedSocketOptions): Promise<[Transport, P]> {
  await Promise.resolve();
  throw new NotImplementedError('connectAcceptedSocket in @loop/net is being written (issue 4)');
}
