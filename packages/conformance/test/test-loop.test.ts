import type { VirtualClock } from '@loop/core';
import { TestLoop } from '@loop/core/testing';
import { runConformance } from '../src/index.js';

// The timeout-heavy suites on TestLoop, in virtual time with autojump.
runConformance('TestLoop', (o) => new TestLoop({ clock: o?.clock as VirtualClock | undefined, debug: o?.debug, autojump: true }), {
  only: ['sleep', 'gather', 'shield', 'wait', 'wait-for', 'as-completed', 'ensure-future', 'timeouts', 'task-groups'],
});
