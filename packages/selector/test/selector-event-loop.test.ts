// SelectorEventLoop's own rules, beyond the conformance suites: the
// constructor, the selector it owns, and when its I/O phase really calls
// select(0) (ADR 0005).
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { BACKEND } from '@loop/interfaces';
import { socketpair, type Socket } from '@loop/socket';
import { EpollSelector, PollSelector, SelectorEventLoop } from '../src/index';

const openFds = (): number => readdirSync('/proc/self/fd').length;
let fdsBefore = 0;
const cleanup: (() => void)[] = [];
function pair(): [Socket, Socket] {
  const p = socketpair();
  cleanup.push(() => {
    p[0].close();
    p[1].close();
  });
  return p;
}

beforeEach(() => {
  fdsBefore = openFds();
});
afterEach(() => {
  for (const fn of cleanup.splice(0).reverse()) fn();
  expect(openFds()).toBe(fdsBefore);
});

/** A `PollSelector` that counts its `select()` calls (`selects`). */
function countingSelector(): PollSelector & { selects: number } {
  const sel = Object.assign(new PollSelector(), { selects: 0 });
  const select = sel.select.bind(sel);
  sel.select = (timeout) => {
    sel.selects++;
    return select(timeout);
  };
  return sel;
}

/** Runs a chain of `n` callbacks; `onStep(i)` is called in each; resolves with the step each event happened at. */
async function chain(loop: SelectorEventLoop, n: number, onStep: (i: number) => void): Promise<void> {
  let i = 0;
  const step = (): void => {
    onStep(i);
    if (++i < n) loop.callSoon(step);
    else loop.stop();
  };
  loop.callSoon(step);
  await loop.runForever();
}

describe('SelectorEventLoop', () => {
  it('owns its selector: the default is an EpollSelector; close() closes the one given', () => {
    const loop = new SelectorEventLoop();
    expect(loop.selector).toBeInstanceOf(EpollSelector);
    loop.close();
    const sel = new PollSelector();
    const loop2 = new SelectorEventLoop(sel, { debug: true });
    expect(loop2.getDebug()).toBe(true);
    expect(loop2.selector).toBe(sel);
    loop2.setDebug(false);
    loop2.close();
    expect(sel.closed).toBe(true);
  });

  it('refuses what is not a selector', () => {
    expect(() => new SelectorEventLoop({} as never)).toThrow(expect.objectContaining({ code: 'ERR_LOOP_INVALID_ARG' }));
  });

  it('a send of this thread is seen in the next iteration, as select(0) each iteration would', async () => {
    const loop = new SelectorEventLoop();
    cleanup.push(() => loop.close());
    const [a, b] = pair();
    let readAt = -1;
    let sentAt = -1;
    let step = 0;
    loop.addReader(a, () => {
      readAt = step;
      a.recv(10);
      loop.removeReader(a);
    });
    await chain(loop, 300, (i) => {
      step = i;
      if (i === 200) {
        b.send(Buffer.from('x'));
        sentAt = i;
      }
    });
    expect(readAt).toBe(sentAt + 1);
  });

  it('a descriptor made ready by another thread is seen within 64 iterations of a busy loop', async () => {
    const loop = new SelectorEventLoop();
    cleanup.push(() => loop.close());
    const [a, b] = pair();
    // The worker writes, then sets the shared flag: once the loop's thread sees the flag, the data is there.
    const sab = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const fs = require('node:fs');
       parentPort.once('message', () => { fs.writeSync(workerData.fd, 'x'); Atomics.store(workerData.flag, 0, 1); Atomics.notify(workerData.flag, 0); });`,
      { eval: true, workerData: { fd: b.fileno(), flag: sab } },
    );
    cleanup.push(() => void worker.terminate());
    await new Promise((resolve) => worker.once('online', resolve));
    let readAt = -1;
    let step = 0;
    let kickedAt = -1;
    worker.postMessage('go');
    loop.addReader(a, () => {
      readAt = step;
      a.recv(10);
      loop.removeReader(a);
    });
    // A busy chain that never returns to Node: the worker's write is noticed by the loop's own polls.
    await chain(loop, 100_000, (i) => {
      step = i;
      if (kickedAt < 0) {
        kickedAt = i;
        // Block this thread until the worker has written.
        expect(Atomics.wait(sab, 0, 0, 10_000)).not.toBe('timed-out');
      }
    });
    expect(readAt).toBeGreaterThan(kickedAt);
    expect(readAt - kickedAt).toBeLessThanOrEqual(65);
  });

  it('with one idle descriptor watched, a busy loop calls select() about once per 64 iterations, not each one', async () => {
    const sel = countingSelector();
    const loop = new SelectorEventLoop(sel);
    cleanup.push(() => loop.close());
    const [a] = pair();
    loop.addReader(a, () => {});
    await chain(loop, 6400, () => {});
    loop.removeReader(a);
    expect(sel.selects).toBeGreaterThan(50);
    expect(sel.selects).toBeLessThan(200);
  });

  it('a reader that leaves data behind is called again in the next iteration (level-triggered)', async () => {
    const loop = new SelectorEventLoop(new PollSelector());
    cleanup.push(() => loop.close());
    const [a, b] = pair();
    const calls: number[] = [];
    let step = 0;
    b.send(Buffer.from('abcde'));
    loop.addReader(a, () => {
      calls.push(step);
      a.recv(1);
      if (calls.length === 5) loop.removeReader(a);
    });
    await chain(loop, 20, (i) => {
      step = i;
    });
    expect(calls.length).toBe(5);
    expect(calls.slice(1).map((c, i) => c - calls[i])).toEqual([1, 1, 1, 1]);
  });

  it("a stream transport's short read drains its socket: the next iterations skip select() until something changes", async () => {
    const sel = countingSelector();
    const loop = new SelectorEventLoop(sel);
    cleanup.push(() => loop.close());
    const [a, b] = pair();
    const seen: string[] = [];
    const protocol = {
      connectionMade(): void {},
      dataReceived(data: Buffer): void {
        const at = sel.selects;
        seen.push(data.toString());
        let n = 0;
        const step = (): void => {
          if (++n < 10) loop.callSoon(step);
          else {
            seen.push(`selects during 10 more iterations: ${sel.selects - at}`);
            loop.stop();
          }
        };
        loop.callSoon(step);
      },
      eofReceived(): void {},
      connectionLost(): void {},
    };
    const transport = loop[BACKEND]!.makeSocketTransport(a, protocol as never);
    b.send(Buffer.from('ping'));
    await loop.runForever();
    transport.abort();
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(seen).toEqual(['ping', 'selects during 10 more iterations: 0']);
  });

  it('a loop with nothing registered never calls select()', async () => {
    const sel = countingSelector();
    const loop = new SelectorEventLoop(sel);
    cleanup.push(() => loop.close());
    await chain(loop, 1000, () => {});
    expect(sel.selects).toBe(0);
  });
});
