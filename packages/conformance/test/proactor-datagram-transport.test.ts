import { datagramTransportSuite } from '../src/net/datagram-transport.suite.js';
import { newProactorNetLoop } from './proactor-loop.js';

datagramTransportSuite(newProactorNetLoop);
