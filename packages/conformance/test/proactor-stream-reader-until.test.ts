import { streamReaderUntilSuite } from '../src/net/stream-reader-until.suite.js';
import { onProactorLoop } from './proactor-loop.js';
onProactorLoop(streamReaderUntilSuite);
