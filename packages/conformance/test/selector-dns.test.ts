import { dnsSuite } from '../src/net/dns.suite.js';
import { onSelectorLoop } from './selector-loop.js';

onSelectorLoop(dnsSuite);
