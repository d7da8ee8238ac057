import { unixSuite } from '../src/net/unix.suite.js';
import { onProactorLoop } from './proactor-loop.js';
onProactorLoop(unixSuite);
