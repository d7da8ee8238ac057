import { tlsSuite } from '../src/net/tls.suite.js';
import { onSelectorLoop } from './selector-loop.js';

onSelectorLoop(tlsSuite);
