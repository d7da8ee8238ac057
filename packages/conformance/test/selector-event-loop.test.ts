// The scheduling suites on the selector loop (debug off and on), in the
// harness's virtual time, as on BaseEventLoop and the proactor.
import { runConformance } from '../src/index.js';
import { newSelectorNetLoop } from './selector-loop.js';

runConformance('SelectorEventLoop', newSelectorNetLoop, { network: true, only: 'scheduling' });
