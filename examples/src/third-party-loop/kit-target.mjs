// The conformance kit's target module for MicroLoop:
//
//   npm run build --workspace examples
//   npx @loop/conformance examples/src/third-party-loop/kit-target.mjs
//
// The kit imports this module and runs every suite whose capabilities the
// loop claims on loops from `newLoop`; the tests MicroLoop is known to fail
// are listed, each with its reason, in expectations.json beside this file.
// It imports the build (dist/), so build the examples first.
import { MicroLoop } from '../../dist/third-party-loop/index.js';

/** @type {{ name: string, newLoop: (options: { debug?: boolean, clock?: unknown }) => MicroLoop, capabilities: readonly string[], expectations: string }} */
const target = {
  name: 'MicroLoop',
  newLoop: (options) => new MicroLoop({ debug: options?.debug, clock: options?.clock }),
  capabilities: ['scheduling', 'virtual-clock'],
  expectations: './expectations.json',
};

export default target;
