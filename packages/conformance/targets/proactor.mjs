// Kit target: compose(ProactorEventLoop, net, signals, subprocess), the loop
// on Node's handles (needs @loop/proactor, @loop/net, @loop/signals and
// @loop/subprocess installed).
import { compose } from '@loop/interfaces';
import { net } from '@loop/net';
import { ProactorEventLoop } from '@loop/proactor';
import { signals } from '@loop/signals';
import { subprocess } from '@loop/subprocess';

const ProactorNetLoop = compose(ProactorEventLoop, net, signals, subprocess);

/** @type {import('@loop/conformance').KitTarget} */
export default {
  name: 'ProactorEventLoop',
  newLoop: ({ debug, clock }) => new ProactorNetLoop({ debug, clock }),
  capabilities: ['scheduling', 'virtual-clock', 'stats', 'network', 'unix', 'tls', 'pipes', 'sendfile', 'subprocess', 'signals'],
};
