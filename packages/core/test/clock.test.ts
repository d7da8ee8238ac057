import { MonotonicClock, VirtualClock } from '../src/clock.js';

describe('MonotonicClock', () => {
  it('time() - is monotonic seconds and never skips', () => {
    const c = new MonotonicClock();
    const a = c.time();
    const b = c.time();
    expect(b).toBeGreaterThanOrEqual(a);
    expect(c.skip(10)).toBe(false);
    expect(c.time() - a).toBeLessThan(10);
  });
});

describe('VirtualClock', () => {
  it('time() - starts at 0 and moves only by advance() or skip()', () => {
    const c = new VirtualClock();
    expect(c.time()).toBe(0);
    c.advance(1.5);
    expect(c.time()).toBe(1.5);
    expect(c.skip(2)).toBe(true);
    expect(c.time()).toBe(3.5);
  });

  it('skip() - refuses to jump when autojump is off', () => {
    const c = new VirtualClock({ autojump: false, start: 7 });
    expect(c.skip(2)).toBe(false);
    expect(c.time()).toBe(7);
  });

  it('advance() - throws RangeError for a negative or non-finite step', () => {
    const c = new VirtualClock();
    expect(() => c.advance(-1)).toThrow(RangeError);
    expect(() => c.advance(Number.NaN)).toThrow(/non-negative finite/);
  });
});
