import { datagramTransportSuite } from '../src/net/datagram-transport.suite.js';
import { onProactorLoop } from './proactor-loop.js';

onProactorLoop(datagramTransportSuite);
