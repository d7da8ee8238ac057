import { signalsSuite } from '../src/net/signals.suite.js';
import { onSelectorLoop } from './selector-loop.js';
onSelectorLoop(signalsSuite);
