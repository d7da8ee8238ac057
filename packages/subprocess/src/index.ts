/**
 * `@loop/subprocess`: asyncio's child processes for any `@loop` loop with an
 * I/O backend — the `subprocess` capability (`subprocessExec`,
 * `subprocessShell`) and `asyncio.subprocess`'s high-level API
 * (`createSubprocessExec`, `createSubprocessShell`, `Process`). The design:
 * docs/adr/0006.
 *
 * @packageDocumentation
 */
export { subprocess, SHELL } from './capability.js';
export { PIPE, STDOUT, DEVNULL } from './constants.js';
export { quote } from './quote.js';
export { SubprocessTransportImpl } from './transport.js';
export { Process, SubprocessStreamProtocol, createSubprocessExec, createSubprocessShell, type CreateSubprocessOptions } from './process.js';
