// The fd-watching readiness suite on the selector loop (debug off and on):
// on its default EpollSelector, and on a PollSelector (the private epoll
// mirror of a foreign selector, ADR 0005).
import { PollSelector } from '@loop/selector';
import { runConformance } from '../src/index.js';
import { SelectorNetLoop, newSelectorNetLoop } from './selector-loop.js';

runConformance('SelectorEventLoop', newSelectorNetLoop, { network: true, readiness: true, only: ['fd-watching'] });
runConformance('SelectorEventLoop(PollSelector)', (options = {}) => new SelectorNetLoop(new PollSelector(), options), {
  network: true,
  readiness: true,
  only: ['fd-watching'],
});
