import { connectionSuite } from '../src/net/connection.suite.js';
import { onSelectorLoop } from './selector-loop.js';

onSelectorLoop(connectionSuite);
