import { sendfileSuite } from '../src/net/sendfile.suite.js';
import { onSelectorLoop } from './selector-loop.js';

onSelectorLoop(sendfileSuite);
