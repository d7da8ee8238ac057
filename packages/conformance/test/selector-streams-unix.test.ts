import { streamsUnixSuite } from '../src/net/streams-unix.suite.js';
import { onSelectorLoop } from './selector-loop.js';

onSelectorLoop(streamsUnixSuite);
