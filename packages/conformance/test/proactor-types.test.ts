// The static type of a proactor loop shows what it can do (ADR 0001 §4): the
// groups its backend provides (pipes) and the composed capabilities (net,
// signals),
// not fd watching or the sock* methods, which always fail on it. Each
// `@ts-expect-error` below fails `npm run typecheck` if the type regains a
// method it cannot run; the run-time half checks that the type and
// `hasCapability` agree.
import { describe, expect, it } from '@jest/globals';
import { CAPABILITY_METHODS, hasCapability, type AbstractEventLoop, type CapabilityMethodName } from '@loop/interfaces';
import { newProactorNetLoop } from './proactor-loop.js';

/** The capability methods that the type of the conformance suites' proactor loop (`proactor-loop.ts`) carries. */
const TYPED: readonly CapabilityMethodName[] = [
  'createConnection',
  'createDatagramEndpoint',
  'createUnixConnection',
  'createServer',
  'createUnixServer',
  'connectAcceptedSocket',
  'sendfile',
  'startTls',
  'getaddrinfo',
  'getnameinfo',
  'connectReadPipe',
  'connectWritePipe',
  'addSignalHandler',
  'removeSignalHandler',
  'subprocessExec',
  'subprocessShell',
  'runInExecutor',
  'setDefaultExecutor',
  'shutdownDefaultExecutor',
];

describe('the static type of compose(ProactorEventLoop, net)', () => {
  it('has no fd watching and no sock* methods: calling them is a compile error', () => {
    const loop = newProactorNetLoop();
    const typeOnly = (): void => {
      // @ts-expect-error: the proactor does not watch file descriptors.
      loop.addReader(0, () => undefined);
      // @ts-expect-error: the proactor does not watch file descriptors.
      loop.removeWriter(0);
      // @ts-expect-error: the proactor backend has no sock* operations.
      void loop.sockRecv(null, 1);
      // @ts-expect-error: the proactor backend has no sock* operations.
      void loop.sockSendfile(null, 0);
      // Not every group, so not an AbstractEventLoop (a fully composed loop is; ADR 0001 §4).
      // @ts-expect-error: FdMethods and SockMethods are missing.
      const full: AbstractEventLoop = loop;
      void full;
    };
    expect(typeOnly).toBeInstanceOf(Function);
    // What the type carries compiles and works.
    expect(typeof loop.createConnection).toBe('function');
    expect(typeof loop.connectReadPipe).toBe('function');
    loop.close();
  });

  it('carries exactly the methods that work on it (hasCapability)', () => {
    const loop = newProactorNetLoop();
    const working = (Object.keys(CAPABILITY_METHODS) as CapabilityMethodName[]).filter((m) => hasCapability(loop, m));
    expect(working.sort()).toEqual([...TYPED].sort());
    loop.close();
  });
});
