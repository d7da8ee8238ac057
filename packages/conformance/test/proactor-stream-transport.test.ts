import { streamTransportSuite } from '../src/net/stream-transport.suite.js';
import { newProactorNetLoop } from './proactor-loop.js';

streamTransportSuite(newProactorNetLoop);
