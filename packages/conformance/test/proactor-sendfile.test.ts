import { sendfileSuite } from '../src/net/sendfile.suite.js';
import { onProactorLoop } from './proactor-loop.js';

onProactorLoop(sendfileSuite);
