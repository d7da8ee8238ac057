import { dnsSuite } from '../src/net/dns.suite.js';
import { newProactorNetLoop } from './proactor-loop.js';
dnsSuite(newProactorNetLoop);
