import { streamsSuite } from '../src/net/streams.suite.js';
import { newProactorNetLoop } from './proactor-loop.js';
streamsSuite(newProactorNetLoop);
