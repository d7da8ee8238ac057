/**
 * The readiness suites: what only a loop whose backend watches file
 * descriptors has (fd watching, the `sock*` operations on `@loop/socket`
 * sockets). Each takes a {@link ReadinessLoopFactory}; a selector loop runs
 * them with `runConformance(name, newLoop, { network: true, readiness: true })`.
 *
 * @packageDocumentation
 */
export {
  defineReadinessTest,
  openFdCount,
  type ReadinessIt,
  type ReadinessLoop,
  type ReadinessLoopFactory,
  type ReadinessTest,
} from './harness.js';
export { fdWatchingSuite } from './fd-watching.suite.js';
export { sockMethodsSuite } from './sock-methods.suite.js';
