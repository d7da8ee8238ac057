import { datagramSuite } from '../src/net/datagram.suite.js';
import { onSelectorLoop } from './selector-loop.js';
onSelectorLoop(datagramSuite);
