// The conformance kit under Vitest (docs/conformance-kit.md shows this file).
// Two projects: `runner` passes Vitest's own describe/test/hooks to the kit
// (no globals), `globals` lets the kit find them on globalThis. Each test
// file runs in its own child process (the 'forks' pool): the kit's loops
// use real sockets, pipes and signals.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    pool: 'forks',
    // The kit gives every test its own timeout; this is for the hooks.
    hookTimeout: 30_000,
    // A Jest-shaped summary, which the root's tooling/jest-totals.mjs adds up.
    reporters: ['default', ['json', { outputFile: '.jest-results.json' }]],
    projects: [
      { extends: true, test: { name: 'runner', include: ['test/*.test.ts'] } },
      { extends: true, test: { name: 'globals', include: ['test/globals/*.test.ts'], globals: true } },
    ],
  },
});
