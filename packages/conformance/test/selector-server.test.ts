import { serverSuite } from '../src/net/server.suite.js';
import { onSelectorLoop } from './selector-loop.js';

onSelectorLoop(serverSuite);
