// Shared jest configuration: ts-jest (transpile only; `npm run typecheck`
// type-checks the tests), workspace packages mapped to their sources so a
// test never runs against a stale build, and a JSON summary written for
// tooling/jest-totals.mjs.
const path = require('node:path');

const packagesDir = path.resolve(__dirname, '..', 'packages');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // Jest 30 wraps objects left on globalThis after a test file in protective
  // setters; @loop/core keeps its per-process state there on purpose.
  testEnvironmentOptions: { globalsCleanup: 'off' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      {
        tsconfig: {
          module: 'commonjs',
          moduleResolution: 'bundler',
          target: 'ES2022',
          lib: ['ES2023', 'ESNext.Disposable'],
          types: ['node', 'jest'],
          esModuleInterop: true,
          isolatedModules: true,
          sourceMap: true,
        },
        diagnostics: false,
      },
    ],
  },
  moduleNameMapper: {
    '^@loop/([a-z-]+)$': `${packagesDir}/$1/src/index.ts`,
    '^@loop/([a-z-]+)/([a-z-]+)$': `${packagesDir}/$1/src/$2.ts`,
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testTimeout: 20000,
};
