import { DEFAULT_HIGH_WATER, DEFAULT_LOW_WATER, LOG_THRESHOLD_FOR_CONNLOST_WRITES, checkBytes, resolveWriteBufferLimits } from '../src/index.js';

describe('write-buffer limits', () => {
  it('DEFAULT_HIGH_WATER and DEFAULT_LOW_WATER - are 64 KiB and a quarter of it', () => {
    expect(DEFAULT_HIGH_WATER).toBe(65536);
    expect(DEFAULT_LOW_WATER).toBe(16384);
  });

  it('resolveWriteBufferLimits() - returns [low, high] = [16 KiB, 64 KiB] when nothing is given', () => {
    expect(resolveWriteBufferLimits()).toEqual([16384, 65536]);
    expect(resolveWriteBufferLimits({})).toEqual([16384, 65536]);
    expect(resolveWriteBufferLimits({ high: null, low: null })).toEqual([16384, 65536]);
  });

  it('resolveWriteBufferLimits() - derives low as floor(high / 4)', () => {
    expect(resolveWriteBufferLimits({ high: 1000 })).toEqual([250, 1000]);
    expect(resolveWriteBufferLimits({ high: 10 })).toEqual([2, 10]);
    expect(resolveWriteBufferLimits({ high: 0 })).toEqual([0, 0]);
  });

  it('resolveWriteBufferLimits() - derives high as 4 * low', () => {
    expect(resolveWriteBufferLimits({ low: 100 })).toEqual([100, 400]);
    expect(resolveWriteBufferLimits({ low: 0 })).toEqual([0, 0]);
  });

  it('resolveWriteBufferLimits() - keeps both when given, equal marks included', () => {
    expect(resolveWriteBufferLimits({ high: 10, low: 5 })).toEqual([5, 10]);
    expect(resolveWriteBufferLimits({ high: 7, low: 7 })).toEqual([7, 7]);
  });

  it('resolveWriteBufferLimits() - throws RangeError with asyncio wording unless high >= low >= 0', () => {
    expect(() => resolveWriteBufferLimits({ high: 1, low: 2 })).toThrow(RangeError);
    expect(() => resolveWriteBufferLimits({ high: 1, low: 2 })).toThrow('high (1) must be >= low (2) must be >= 0');
    expect(() => resolveWriteBufferLimits({ low: -1 })).toThrow('high (-4) must be >= low (-1) must be >= 0');
    expect(() => resolveWriteBufferLimits({ high: -8 })).toThrow(expect.objectContaining({ code: 'ERR_LOOP_OUT_OF_RANGE' }));
    expect(() => resolveWriteBufferLimits({ high: NaN })).toThrow(RangeError);
  });

  it('resolveWriteBufferLimits() - throws TypeError for a limit that is not a number', () => {
    expect(() => resolveWriteBufferLimits({ high: '10' as unknown as number })).toThrow(TypeError);
    expect(() => resolveWriteBufferLimits({ low: '1' as unknown as number })).toThrow(
      expect.objectContaining({ code: 'ERR_LOOP_INVALID_ARG', message: 'setWriteBufferLimits(): low must be a number, not string' }),
    );
  });
});

describe('LOG_THRESHOLD_FOR_CONNLOST_WRITES', () => {
  it('LOG_THRESHOLD_FOR_CONNLOST_WRITES - is asyncio\'s 5', () => {
    expect(LOG_THRESHOLD_FOR_CONNLOST_WRITES).toBe(5);
  });
});

describe('checkBytes', () => {
  it('checkBytes() - accepts a Uint8Array or a Buffer, empty ones too', () => {
    expect(() => checkBytes('write()', new Uint8Array(0))).not.toThrow();
    expect(() => checkBytes('write()', Buffer.from('abc'))).not.toThrow();
  });

  it('checkBytes() - a string, null, an array or a plain object is a coded TypeError naming the API and the type', () => {
    const cases: [unknown, string][] = [
      ['abc', 'string'],
      [null, 'null'],
      [[1, 2], 'Array'],
      [{}, 'Object'],
      [Object.create(null), 'object'],
    ];
    for (const [value, what] of cases) {
      let caught: unknown;
      try {
        checkBytes('write()', value);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(TypeError);
      expect(caught).toMatchObject({
        code: 'ERR_LOOP_INVALID_ARG',
        message: `write(): data argument must be a bytes-like object (Uint8Array), not '${what}'`,
      });
    }
  });
});
