import { serverSuite } from '../src/net/server.suite.js';
import { newProactorNetLoop } from './proactor-loop.js';
serverSuite(newProactorNetLoop);
