// A few network suites of the kit on compose(ProactorEventLoop, net,
// signals): real TCP, Unix and UDP sockets, TLS, and a signal sent to this
// process (the signals suite uses beforeAll/afterAll), debug mode off and on.
import { compose } from '@loop/interfaces';
import { net } from '@loop/net';
import { ProactorEventLoop } from '@loop/proactor';
import { signals } from '@loop/signals';
import { runConformance } from '@loop/conformance';
import { vitestRunner } from './runner.js';

const ProactorNetLoop = compose(ProactorEventLoop, net, signals);

runConformance('ProactorEventLoop', (o) => new ProactorNetLoop(o), {
  capabilities: ['scheduling', 'virtual-clock', 'stats', 'network', 'unix', 'tls', 'signals'],
  only: ['connection', 'streams', 'datagram', 'tls', 'signals'],
  runner: vitestRunner,
});
