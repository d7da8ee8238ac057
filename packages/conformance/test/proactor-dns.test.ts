import { dnsSuite } from '../src/net/dns.suite.js';
import { onProactorLoop } from './proactor-loop.js';
onProactorLoop(dnsSuite);
