import { writeErrorsSuite } from '../src/net/write-errors.suite.js';
import { onSelectorLoop } from './selector-loop.js';

onSelectorLoop(writeErrorsSuite);
