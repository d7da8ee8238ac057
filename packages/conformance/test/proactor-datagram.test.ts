import { datagramSuite } from '../src/net/datagram.suite.js';
import { onProactorLoop } from './proactor-loop.js';
onProactorLoop(datagramSuite);
