import { datagramSuite } from '../src/net/datagram.suite.js';
import { newProactorNetLoop } from './proactor-loop.js';
datagramSuite(newProactorNetLoop);
