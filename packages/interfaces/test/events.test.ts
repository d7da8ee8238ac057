import { isThenable } from '../src/index.js';

describe('isThenable', () => {
  it('isThenable() - true for a promise and for any object or function with a callable then', () => {
    expect(isThenable(Promise.resolve(1))).toBe(true);
    expect(isThenable({ then: () => undefined })).toBe(true);
    expect(isThenable(Object.assign(() => undefined, { then: () => undefined }))).toBe(true);
  });

  it('isThenable() - false for values without a callable then', () => {
    for (const value of [null, undefined, 1, 'then', {}, { then: 1 }, () => undefined]) expect(isThenable(value)).toBe(false);
  });
});
