import { streamReaderSuite } from '../src/net/stream-reader.suite.js';
import { onSelectorLoop } from './selector-loop.js';

onSelectorLoop(streamReaderSuite);
