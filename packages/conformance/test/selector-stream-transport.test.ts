import { streamTransportSuite } from '../src/net/stream-transport.suite.js';
import { onSelectorLoop } from './selector-loop.js';

onSelectorLoop(streamTransportSuite);
