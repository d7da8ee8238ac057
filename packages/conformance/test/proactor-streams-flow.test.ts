import { streamsFlowSuite } from '../src/net/streams-flow.suite.js';
import { onProactorLoop } from './proactor-loop.js';
onProactorLoop(streamsFlowSuite);
