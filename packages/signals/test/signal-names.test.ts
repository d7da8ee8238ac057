// Signal numbers and names (signal-names.ts), and a loop's table of handlers
// when a signal has two names. Real listeners on Node's process object; no
// signal is sent.
import { constants } from 'node:os';
import { compose } from '@loop/interfaces';
import { BaseEventLoop } from '@loop/core';
import { handledSignals, nodeProcess, resolveSignal, signals } from '../src/index.js';

const Loop = compose(BaseEventLoop, signals);

describe('resolveSignal', () => {
  it('takes a number or a name and gives the canonical name Node listens under', () => {
    expect(resolveSignal('f', 'SIGUSR1')).toEqual({ signum: constants.signals.SIGUSR1, name: 'SIGUSR1' });
    expect(resolveSignal('f', constants.signals.SIGTERM)).toEqual({ signum: constants.signals.SIGTERM, name: 'SIGTERM' });
    // Aliases resolve to the first name os.constants.signals gives for the number.
    expect(resolveSignal('f', 'SIGIOT')).toEqual({ signum: constants.signals.SIGABRT, name: 'SIGABRT' });
    expect(resolveSignal('f', 'SIGPOLL')).toEqual(resolveSignal('f', 'SIGIO'));
  });

  it('refuses what is not a signal, naming the call', () => {
    expect(() => resolveSignal('addSignalHandler', 'SIGNOPE')).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_LOOP_OUT_OF_RANGE', message: 'addSignalHandler(): invalid signal name "SIGNOPE"' }));
    expect(() => resolveSignal('removeSignalHandler', 99)).toThrow(expect.objectContaining({ name: 'RangeError', message: 'removeSignalHandler(): invalid signal number 99' }));
    expect(() => resolveSignal('addSignalHandler', 2.5)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' }));
    expect(() => resolveSignal('addSignalHandler', BigInt(2))).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' }));
    expect(() => resolveSignal('addSignalHandler', 'constructor')).toThrow(expect.objectContaining({ name: 'RangeError' }));
  });
});

describe('a loop\'s handlers', () => {
  it('one slot per signal number: a handler added under an alias replaces the one under the other name; handledSignals lists them', () => {
    const loop = new Loop();
    const before = nodeProcess.listenerCount('SIGABRT');
    loop.addSignalHandler('SIGABRT', () => {});
    loop.addSignalHandler('SIGIOT', () => {});
    expect(nodeProcess.listenerCount('SIGABRT')).toBe(before + 1);
    expect(nodeProcess.listenerCount('SIGIOT')).toBe(0);
    loop.addSignalHandler(constants.signals.SIGWINCH, () => {});
    expect(handledSignals(loop)).toEqual(['SIGABRT', 'SIGWINCH']);
    expect(loop.removeSignalHandler('SIGIOT')).toBe(true);
    expect(nodeProcess.listenerCount('SIGABRT')).toBe(before);
    loop.close();
    expect(handledSignals(loop)).toEqual([]);
  });

  it('nodeProcess is Node\'s own process object even inside jest\'s sandbox (whose process is a copy)', () => {
    expect(nodeProcess.pid).toBe(process.pid);
    expect(nodeProcess).not.toBe(process);
  });
});
