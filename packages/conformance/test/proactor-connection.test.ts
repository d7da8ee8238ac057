import { connectionSuite } from '../src/net/connection.suite.js';
import { newProactorNetLoop } from './proactor-loop.js';
connectionSuite(newProactorNetLoop);
