// The sock-methods readiness suite on the selector loop (debug off and on).
import { runConformance } from '../src/index.js';
import { newSelectorNetLoop } from './selector-loop.js';

runConformance('SelectorEventLoop', newSelectorNetLoop, { network: true, readiness: true, only: ['sock-methods'] });
