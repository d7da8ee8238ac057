import { signalsSuite } from '../src/net/signals.suite.js';
import { onProactorLoop } from './proactor-loop.js';
onProactorLoop(signalsSuite);
