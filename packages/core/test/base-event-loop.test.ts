// Core-specific behaviour of BaseEventLoop that the conformance suites do not
// cover (they run against every loop): capability stand-ins and the backend
// hooks. The scheduling behaviour itself is tested by @loop/conformance.
import { BACKEND, NotImplementedError } from '@loop/interfaces';
import type { BackendHost, IoBackend } from '@loop/interfaces';
import { BaseEventLoop } from '../src/index.js';

describe('BaseEventLoop capability stand-ins', () => {
  it('createConnection() on a scheduling-only loop - rejects with NotImplementedError naming @loop/net', async () => {
    const loop = new BaseEventLoop() as unknown as { createConnection(): Promise<unknown>; close(): void };
    await expect(loop.createConnection()).rejects.toThrow(NotImplementedError);
    await expect(loop.createConnection()).rejects.toThrow(/@loop\/net/);
    loop.close();
  });

  it('addReader() on a scheduling-only loop - throws NotImplementedError naming @loop/selector', () => {
    const loop = new BaseEventLoop() as unknown as { addReader(fd: number, cb: () => void): void; close(): void };
    expect(() => loop.addReader(0, () => undefined)).toThrow(/@loop\/selector/);
    loop.close();
  });

  it('runInExecutor() - throws NotImplementedError until executors exist', () => {
    const loop = new BaseEventLoop();
    expect(() => loop.runInExecutor(null, () => 1)).toThrow(NotImplementedError);
    loop.close();
  });
});

describe('BaseEventLoop backend hooks', () => {
  class RecordingBackend {
    readonly name = 'recording';
    host: BackendHost | null = null;
    events: string[] = [];
    polls: number[] = [];
    attach(host: BackendHost): void {
      this.host = host;
      this.events.push('attach');
    }
    poll(timeout: number): void {
      this.polls.push(timeout);
    }
    close(): void {
      this.events.push('close');
    }
    runStarted(): void {
      this.events.push('runStarted');
    }
    runStopped(): void {
      this.events.push('runStopped');
    }
  }

  it('a backend - is attached once, polled in every iteration, told when runs start and stop, closed with the loop', async () => {
    const backend = new RecordingBackend();
    const loop = new BaseEventLoop({ backend: backend as unknown as IoBackend });
    expect(loop[BACKEND]).toBe(backend);
    let n = 0;
    const cb = (): void => {
      if (++n < 3) loop.callSoon(cb);
      else loop.stop();
    };
    loop.callSoon(cb);
    await loop.runForever();
    loop.close();
    expect(backend.events).toEqual(['attach', 'runStarted', 'runStopped', 'close']);
    expect(backend.polls).toEqual([0, 0, 0]);
  });

  it('addReady() from the backend host - wakes an idle running loop, and the handle runs in the next iteration', async () => {
    const backend = new RecordingBackend();
    const loop = new BaseEventLoop({ backend: backend as unknown as IoBackend });
    const seen: string[] = [];
    setTimeout(() => {
      const h = backend.host!.createHandle((x: string) => {
        seen.push(x);
        loop.stop();
      }, ['io'] as [string]);
      backend.host!.addReady(h);
    }, 5);
    await loop.runForever();
    loop.close();
    expect(seen).toEqual(['io']);
  });
});
