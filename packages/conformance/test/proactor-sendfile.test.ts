import { sendfileSuite } from '../src/net/sendfile.suite.js';
import { newProactorNetLoop } from './proactor-loop.js';

sendfileSuite(newProactorNetLoop);
