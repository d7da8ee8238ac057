import { streamTransportSuite } from '../src/net/stream-transport.suite.js';
import { onProactorLoop } from './proactor-loop.js';

onProactorLoop(streamTransportSuite);
