import { pipesSuite } from '../src/net/pipes.suite.js';
import { onSelectorLoop } from './selector-loop.js';
onSelectorLoop(pipesSuite);
