import { pipesSuite } from '../src/net/pipes.suite.js';
import { onProactorLoop } from './proactor-loop.js';
onProactorLoop(pipesSuite);
