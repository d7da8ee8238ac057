// The kit with Vitest's globals (`globals: true` in this project): no
// runner passed, runTarget() checks the target as the CLI does and finds
// describe/test/hooks on globalThis.
import { BaseEventLoop } from '@loop/core';
import { runTarget, type KitTarget } from '@loop/conformance';

const target: KitTarget = {
  name: 'BaseEventLoop',
  newLoop: ({ debug, clock }) => new BaseEventLoop({ debug, clock }),
  capabilities: ['scheduling', 'virtual-clock', 'stats'],
};

runTarget(target, { only: ['sleep', 'policies'] });
