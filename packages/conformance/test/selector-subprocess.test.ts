import { subprocessSuite } from '../src/net/subprocess.suite.js';
import { onSelectorLoop } from './selector-loop.js';
onSelectorLoop(subprocessSuite);
