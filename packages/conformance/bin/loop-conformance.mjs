#!/usr/bin/env node
// The `loop-conformance` command: npx @loop/conformance ./my-loop.mjs [--json] [--only suite,...]
// A thin ES-module shell around main() (src/cli.ts): dynamic import of the
// target and the kit's own ESM entry must come from ES module code.
import { run } from 'node:test';
import { main } from '../dist/esm/index.js';

const code = await main(process.argv.slice(2), {
  importModule: (url) => import(url),
  kitEntry: new URL('../dist/esm/index.js', import.meta.url).href,
  run,
});
process.exitCode = code;
