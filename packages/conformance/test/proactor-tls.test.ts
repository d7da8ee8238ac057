import { tlsSuite } from '../src/net/tls.suite.js';
import { newProactorNetLoop } from './proactor-loop.js';

tlsSuite(newProactorNetLoop);
