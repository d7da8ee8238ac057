import { serverSuite } from '../src/net/server.suite.js';
import { onProactorLoop } from './proactor-loop.js';
onProactorLoop(serverSuite);
