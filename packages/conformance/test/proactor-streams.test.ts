import { streamsSuite } from '../src/net/streams.suite.js';
import { onProactorLoop } from './proactor-loop.js';
onProactorLoop(streamsSuite);
