/**
 * Runs every example in order, each in its own process, under a header line.
 *
 *   node dist/run-all.js            run the examples
 *   node dist/run-all.js --compare  also run each Python twin (python/<name>.py,
 *                                   with `python3`, or $PYTHON) and compare
 *                                   the outputs, normalised as examples.ts
 *                                   says (dates and times by shape)
 *
 * Exits non-zero when an example fails or, with --compare, differs from its twin.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EXAMPLES, normalise } from './examples.js';

const compare = process.argv.includes('--compare');
const python = process.env.PYTHON ?? 'python3';

function runProcess(cmd: string, args: string[]): { status: number; stdout: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.error) throw r.error;
  return { status: r.status ?? 1, stdout: r.stdout };
}

let failed = 0;
for (const name of EXAMPLES) {
  console.log(`=== ${name} ===`);
  const script = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  const ts = runProcess(process.execPath, [script]);
  process.stdout.write(ts.stdout);
  if (ts.status !== 0) {
    console.log(`!!! ${name} exited with status ${ts.status}`);
    failed++;
    continue;
  }
  if (!compare) continue;
  const twin = fileURLToPath(new URL(`../python/${name}.py`, import.meta.url));
  const py = runProcess(python, [twin]);
  if (py.status === 0 && normalise(py.stdout) === normalise(ts.stdout)) {
    console.log(`--- same output as python/${name}.py`);
  } else {
    console.log(`!!! differs from python/${name}.py (status ${py.status}); Python printed:`);
    process.stdout.write(py.stdout);
    failed++;
  }
}
if (failed > 0) {
  console.log(`${failed} example(s) failed`);
  process.exitCode = 1;
}
