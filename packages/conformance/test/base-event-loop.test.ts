import { BaseEventLoop } from '@loop/core';
import { runConformance } from '../src/index.js';

// Every scheduling suite, with debug mode off and on (the factory passes
// `debug` and the virtual clock through). BaseEventLoop has no I/O backend,
// so the network suites do not apply.
runConformance('BaseEventLoop', (o) => new BaseEventLoop(o));
