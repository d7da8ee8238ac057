/**
 * `@loop/signals`: asyncio's Unix signal handlers (`add_signal_handler`,
 * `remove_signal_handler`) for any `@loop` loop, on Node's process signal
 * events. Compose it in: `compose(ProactorEventLoop, net, signals)`.
 *
 * @packageDocumentation
 */
export { signals, handledSignals } from './capability.js';
export { resolveSignal, type ResolvedSignal } from './signal-names.js';
export { nodeProcess } from '@loop/interfaces';
