/**
 * loop.createDatagramEndpoint(). Being written (issue 4): rejects with NotImplementedError until then.
 *
 * @packageDocumentation
 */
import { NotImplementedError, type SchedulingLoop, type BaseProtocol, type ProtocolFactory, type Address, type CreateDatagramEndpointOptions, type DatagramTransport } from '@loop/interfaces';

/** loop.createDatagramEndpoint(). */
export async function createDatagramEndpoint<P extends BaseProtocol>(_loop: SchedulingLoop, _factory: ProtocolFactory<P>, _localAddr?: Address | null, _remoteAddr?: Address | null, _options?: CreateDatagramEndpointOptions): Promise<[DatagramTransport, P]> {
  await Promise.resolve();
  throw new NotImplementedError('createDatagramEndpoint in @loop/net is being written (issue 4)');
}
