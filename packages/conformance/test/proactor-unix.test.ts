import { unixSuite } from '../src/net/unix.suite.js';
import { newProactorNetLoop } from './proactor-loop.js';
unixSuite(newProactorNetLoop);
