// Kit target: @loop/core's BaseEventLoop (no I/O backend: the scheduling suites).
//   npx loop-conformance node_modules/@loop/conformance/targets/base.mjs
import { BaseEventLoop } from '@loop/core';

/** @type {import('@loop/conformance').KitTarget} */
export default {
  name: 'BaseEventLoop',
  newLoop: ({ debug, clock }) => new BaseEventLoop({ debug, clock }),
  capabilities: ['scheduling', 'virtual-clock', 'stats'],
};
