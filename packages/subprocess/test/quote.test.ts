// quote() against python3's own shlex.quote, on tricky strings.
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { quote } from '../src/index.js';

const SAMPLES = [
  '',
  'plain',
  'with space',
  "it's",
  "''",
  '"double"',
  '$HOME',
  '`id`',
  'a;b&c|d',
  'tab\there',
  'new\nline',
  'back\\slash',
  '-flag',
  '@%+=:,./-_',
  'glob*?[x]',
  'é unicode',
  'naïve',
  '~user',
  '!bang',
  "mixed 'single' and \"double\"",
];

describe('quote() (shlex.quote)', () => {
  it('matches python3 shlex.quote on tricky strings', () => {
    const out = execFileSync('python3', ['-c', 'import json,shlex,sys; print(json.dumps([shlex.quote(s) for s in json.load(sys.stdin)]))'], {
      input: JSON.stringify(SAMPLES),
    });
    const expected = JSON.parse(out.toString()) as string[];
    expect(SAMPLES.map(quote)).toEqual(expected);
  });

  it('round-trips through /bin/sh', () => {
    for (const s of SAMPLES.filter((x) => !x.includes('\0'))) {
      const echoed = execFileSync('/bin/sh', ['-c', `printf %s ${quote(s)}`]).toString();
      expect(echoed).toBe(s);
    }
  });

  it('refuses a non-string with a coded TypeError', () => {
    expect(() => quote(5 as unknown as string)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' }));
  });
});
