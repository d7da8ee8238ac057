import { unixSuite } from '../src/net/unix.suite.js';
import { onSelectorLoop } from './selector-loop.js';

onSelectorLoop(unixSuite);
