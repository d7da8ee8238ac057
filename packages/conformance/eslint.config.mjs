import base from '../../tooling/eslint.config.mjs';

export default [
  ...base,
  {
    // The suites run under any test runner (ADR 0008): the runner comes from
    // src/runner.ts, `expect` from the standalone `expect` package.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@jest/globals',
              message: "The suites are runner-agnostic: import describe/test/hooks from src/runner.ts and expect from 'expect' (scripts/convert-suite.mjs does it).",
            },
          ],
        },
      ],
    },
  },
];
