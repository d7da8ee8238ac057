import { streamsFlowSuite } from '../src/net/streams-flow.suite.js';
import { onSelectorLoop } from './selector-loop.js';

onSelectorLoop(streamsFlowSuite);
