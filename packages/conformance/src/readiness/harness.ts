/**
 * The harness of the readiness suites: the network harness
 * ({@link defineNetTest}) plus a file-descriptor leak check, since the
 * sockets these suites use are `@loop/socket`'s (real descriptors, not Node
 * handles the network teardown counts).
 *
 * HOW: `defineReadinessTest(newLoop)` returns an `it`-like function whose
 * body receives a {@link ReadinessTest} (a `NetTest` whose `loop` has fd
 * watching and the `sock*` operations). After the body, the number of open
 * descriptors of the process (`/proc/self/fd`) must be back at most where it
 * was before: a socket, pipe or epoll descriptor left open fails the test.
 */
import { readdirSync } from 'node:fs';
import type { FdMethods, SockMethods } from '@loop/interfaces';
import { defineNetTest, type NetLoop, type NetTest, type NetTestOptions } from '../net/harness.js';

/** A network loop whose backend watches file descriptors: a selector loop with `@loop/net`. */
export type ReadinessLoop = NetLoop & FdMethods & SockMethods;

/** Makes a fresh readiness loop of the kind under test, on the real clock. */
export type ReadinessLoopFactory = (options?: { debug?: boolean }) => ReadinessLoop;

/** A network test whose loops are readiness loops. */
export type ReadinessTest = Omit<NetTest, 'loop' | 'newLoop'> & { readonly loop: ReadinessLoop; newLoop(options?: { debug?: boolean }): ReadinessLoop };

/** An `it` whose body receives a {@link ReadinessTest}. */
export type ReadinessIt = (name: string, body: (t: ReadinessTest) => Promise<void>, options?: NetTestOptions) => void;

/** The number of file descriptors open in this process. */
export function openFdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/**
 * Returns an `it`-like function for the readiness suites: each test gets a
 * fresh {@link ReadinessTest} over `newLoop`, the network teardown, and a
 * descriptor leak check.
 */
export function defineReadinessTest(newLoop: ReadinessLoopFactory): ReadinessIt {
  const it = defineNetTest(newLoop);
  return (name, body, options) => {
    it(
      name,
      async (t) => {
        const before = openFdCount();
        await body(t as unknown as ReadinessTest);
        // Node may close a descriptor of its own a moment later (a thread-pool read).
        for (let n = 0; n < 20 && openFdCount() > before; n++) await new Promise((r) => setTimeout(r, 10));
        const after = openFdCount();
        if (after > before) throw new Error(`readiness conformance: ${after - before} file descriptor(s) left open by the test`);
      },
      options,
    );
  };
}
