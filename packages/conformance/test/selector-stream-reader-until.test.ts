import { streamReaderUntilSuite } from '../src/net/stream-reader-until.suite.js';
import { onSelectorLoop } from './selector-loop.js';

onSelectorLoop(streamReaderUntilSuite);
