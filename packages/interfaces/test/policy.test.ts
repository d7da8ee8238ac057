import { AbstractEventLoopPolicy, NotImplementedError, type EventLoopPolicy, type SchedulingLoop } from '../src/index.js';
import { FakeLoop } from './helpers/fake-loop.js';

class Bare extends AbstractEventLoopPolicy {}

describe('AbstractEventLoopPolicy', () => {
  it.each([
    ['getEventLoop', (p: Bare) => p.getEventLoop()],
    ['setEventLoop', (p: Bare) => p.setEventLoop(null)],
    ['newEventLoop', (p: Bare) => p.newEventLoop()],
  ] as const)('%s() - throws NotImplementedError naming the class and method', (method, call) => {
    const policy = new Bare();
    expect(() => call(policy)).toThrow(NotImplementedError);
    expect(() => call(policy)).toThrow(`Bare.${method}() is not implemented; a policy must override it`);
    expect(() => call(policy)).toThrow(expect.objectContaining({ code: 'ERR_LOOP_NOT_IMPLEMENTED' }));
  });

  it('AbstractEventLoopPolicy - a subclass that overrides every method is a working policy', () => {
    class OneLoop extends AbstractEventLoopPolicy<FakeLoop> {
      #loop: FakeLoop | null = null;
      override getEventLoop(): FakeLoop {
        this.#loop ??= this.newEventLoop();
        return this.#loop;
      }
      override setEventLoop(loop: FakeLoop | null): void {
        this.#loop = loop;
      }
      override newEventLoop(): FakeLoop {
        return new FakeLoop();
      }
    }
    const policy: EventLoopPolicy<SchedulingLoop> = new OneLoop();
    const first = policy.getEventLoop();
    expect(policy.getEventLoop()).toBe(first);
    expect(policy.newEventLoop()).not.toBe(first);
  });

  it('AbstractEventLoopPolicy - recognises policies of another copy of the package', async () => {
    let other: typeof import('../src/policy.js') | undefined;
    await jest.isolateModulesAsync(async () => {
      other = await import('../src/policy.js');
    });
    class Theirs extends other!.AbstractEventLoopPolicy {}
    expect(new Theirs()).toBeInstanceOf(AbstractEventLoopPolicy);
  });
});
