import { connectionSuite } from '../src/net/connection.suite.js';
import { onProactorLoop } from './proactor-loop.js';
onProactorLoop(connectionSuite);
