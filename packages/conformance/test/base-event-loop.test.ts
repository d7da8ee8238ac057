import { BaseEventLoop } from '@loop/core';
import { runConformance } from '../src/index.js';

// Every suite, with debug mode off and on (the factory passes `debug` and
// the virtual clock through).
runConformance('BaseEventLoop', (o) => new BaseEventLoop(o));
