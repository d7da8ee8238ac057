import { streamsUnixSuite } from '../src/net/streams-unix.suite.js';
import { onProactorLoop } from './proactor-loop.js';
onProactorLoop(streamsUnixSuite);
