import { datagramTransportSuite } from '../src/net/datagram-transport.suite.js';
import { onSelectorLoop } from './selector-loop.js';
onSelectorLoop(datagramTransportSuite);
