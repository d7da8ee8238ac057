import { tlsSuite } from '../src/net/tls.suite.js';
import { onProactorLoop } from './proactor-loop.js';

onProactorLoop(tlsSuite);
