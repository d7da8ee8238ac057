import { writeErrorsSuite } from '../src/net/write-errors.suite.js';
import { onProactorLoop } from './proactor-loop.js';

onProactorLoop(writeErrorsSuite);
