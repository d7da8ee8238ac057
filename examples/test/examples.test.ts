/**
 * Runs each example (its build, `dist/<name>.js`, in a process of its own)
 * and compares what it prints with what its Python twin printed, recorded
 * once into `fixtures/python-output/<name>.txt` by `npm run record`; both
 * sides normalised by `normalise()` (src/examples.ts). An example must also
 * exit 0 and write nothing to stderr, as its twin did.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLES, normalise } from '../src/examples.js';
import { root, runExample } from './run-example.js';

describe('examples', () => {
  it('every example has its Python twin and its recorded output', () => {
    const missing = EXAMPLES.flatMap((name) =>
      [`src/${name}.ts`, `python/${name}.py`, `fixtures/python-output/${name}.txt`].filter((f) => !existsSync(join(root, f))),
    );
    expect(missing).toEqual([]);
  });

  for (const name of EXAMPLES) {
    it(`${name} - prints what python/${name}.py prints`, async () => {
      const recorded = readFileSync(join(root, 'fixtures', 'python-output', `${name}.txt`), 'utf8');
      const run = await runExample(name);
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
      expect(normalise(run.stdout)).toBe(recorded);
    }, 60_000);
  }
});
