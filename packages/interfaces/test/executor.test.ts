import { isCancellableWork, isWorkReference, type CancellableWork, type Executor } from '../src/index.js';

describe('WorkReference', () => {
  it('isWorkReference() - accepts { module, export } strings', () => {
    expect(isWorkReference({ module: '/abs/work.js', export: 'run' })).toBe(true);
    expect(isWorkReference({ module: 'pkg', export: 'default', extra: 1 })).toBe(true);
  });
  it('isWorkReference() - rejects functions and incomplete objects', () => {
    expect(isWorkReference(() => 1)).toBe(false);
    expect(isWorkReference({ module: '/abs/work.js' })).toBe(false);
    expect(isWorkReference({ module: 1, export: 'x' })).toBe(false);
    expect(isWorkReference(null)).toBe(false);
  });
});

describe('CancellableWork', () => {
  it('isCancellableWork() - tells a withdrawable submission from a plain promise', () => {
    const plain = Promise.resolve(1);
    const cancellable: CancellableWork<number> = Object.assign(Promise.resolve(1), { cancel: () => true });
    expect(isCancellableWork(plain)).toBe(false);
    expect(isCancellableWork(cancellable)).toBe(true);
  });
});

describe('Executor', () => {
  it('Executor - an inline executor satisfies the contract and rejects after shutdown', async () => {
    class InlineExecutor implements Executor {
      #shut = false;
      submit<A extends unknown[], T>(fn: ((...args: A) => T | PromiseLike<T>) | { module: string; export: string }, ...args: A): PromiseLike<T> {
        if (this.#shut) return Promise.reject(new Error('cannot schedule new futures after shutdown'));
        if (isWorkReference(fn)) return Promise.reject(new TypeError('inline executor cannot load modules'));
        return Promise.resolve().then(() => fn(...args));
      }
      shutdown(_wait?: boolean): Promise<void> {
        this.#shut = true;
        return Promise.resolve();
      }
    }
    const ex = new InlineExecutor();
    await expect(ex.submit((a: number, b: number) => a + b, 2, 3)).resolves.toBe(5);
    await expect(ex.submit(async (s: string) => Promise.resolve(s.toUpperCase()), 'x')).resolves.toBe('X');
    await ex.shutdown();
    await expect(ex.submit(() => 1)).rejects.toThrow('after shutdown');
  });
});
