import { subprocessSuite } from '../src/net/subprocess.suite.js';
import { onProactorLoop } from './proactor-loop.js';
onProactorLoop(subprocessSuite);
