// The fd-watching readiness suite on the selector loop (debug off and on):
// on its default EpollSelector, and on a PollSelector and a SelectSelector
// (a foreign selector: the backend keeps a private epoll mirror, ADR 0005).
import { PollSelector, SelectSelector } from '@loop/selector';
import { runConformance } from '../src/index.js';
import { SelectorNetLoop, newSelectorNetLoop } from './selector-loop.js';

runConformance('SelectorEventLoop', newSelectorNetLoop, { network: true, readiness: true, only: ['fd-watching'] });
runConformance('SelectorEventLoop(PollSelector)', (options = {}) => new SelectorNetLoop(new PollSelector(), options), {
  network: true,
  readiness: true,
  only: ['fd-watching'],
});
runConformance('SelectorEventLoop(SelectSelector)', (options = {}) => new SelectorNetLoop(new SelectSelector(), options), {
  network: true,
  readiness: true,
  only: ['fd-watching'],
});
