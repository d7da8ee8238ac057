import { streamReaderSuite } from '../src/net/stream-reader.suite.js';
import { onProactorLoop } from './proactor-loop.js';
onProactorLoop(streamReaderSuite);
