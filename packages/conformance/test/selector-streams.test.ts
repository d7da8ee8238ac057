import { streamsSuite } from '../src/net/streams.suite.js';
import { onSelectorLoop } from './selector-loop.js';

onSelectorLoop(streamsSuite);
