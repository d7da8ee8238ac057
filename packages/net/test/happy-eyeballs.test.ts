import { describe, expect, it } from '@jest/globals';
import type { AddrInfo } from '@loop/interfaces';
import { interleaveAddrinfos } from '../src/happy-eyeballs.js';

const v6 = (n: number): AddrInfo => [10, 1, 6, '', [`::${n}`, 80, 0, 0]];
const v4 = (n: number): AddrInfo => [2, 1, 6, '', [`10.0.0.${n}`, 80]];

describe('interleaveAddrinfos (asyncio _interleave_addrinfos)', () => {
  it('alternates families, starting with the first family seen', () => {
    expect(interleaveAddrinfos([v6(1), v6(2), v6(3), v4(1), v4(2)])).toEqual([v6(1), v4(1), v6(2), v4(2), v6(3)]);
  });

  it('a first address family count of 2 puts one more of the first family first', () => {
    expect(interleaveAddrinfos([v6(1), v6(2), v6(3), v4(1), v4(2)], 2)).toEqual([v6(1), v6(2), v4(1), v6(3), v4(2)]);
  });

  it('one family: unchanged', () => {
    expect(interleaveAddrinfos([v4(1), v4(2)])).toEqual([v4(1), v4(2)]);
  });
});
