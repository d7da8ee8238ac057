// Kit target: compose(SelectorEventLoop, net, signals, subprocess) on an
// EpollSelector, the readiness loop on @loop/socket (needs @loop/selector,
// @loop/net, @loop/signals and @loop/subprocess installed).
import { compose } from '@loop/interfaces';
import { net } from '@loop/net';
import { SelectorEventLoop } from '@loop/selector';
import { signals } from '@loop/signals';
import { subprocess } from '@loop/subprocess';

const SelectorNetLoop = compose(SelectorEventLoop, net, signals, subprocess);

/** @type {import('@loop/conformance').KitTarget} */
export default {
  name: 'SelectorEventLoop',
  newLoop: ({ debug, clock }) => new SelectorNetLoop(null, { debug, clock }),
  capabilities: [
    'scheduling', 'virtual-clock', 'stats', 'network', 'unix', 'tls', 'pipes', 'sendfile',
    'fd-watching', 'sock-methods', 'subprocess', 'signals',
  ],
};
